"""The case-study form and the moderators' return form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from dpse.casestudies.models import (
    PLACE_MAX,
    RETURN_REASON_MAX,
    SECTION_MAX,
    SLUG_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    URL_MAX,
    BudgetBand,
    Outcome,
    Sector,
)
from dpse.casestudies.service import CaseStudyData
from dpse.fields import (
    ALT_TEXT_HINT,
    DateInputField,
    images_need_alt_text,
    keep_under,
    language_field,
    must_be_at_most,
    optional_line,
)
from dpse.tags.service import parse_tag_names

SECTION_HINT = "Markdown: **bold**, *italic*, lists, links and ## headings. " + ALT_TEXT_HINT


def _choices(enum_cls: type) -> list[SelectChoice]:
    return [SelectChoice(m.value, m.label) for m in enum_cls]


def _list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").replace("\n", ",").split(",") if part.strip()]


def _section_checks() -> list:
    return [Optional(), keep_under(SECTION_MAX, "each section"), images_need_alt_text]


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes instead of a multi-select (easier to use, no Ctrl-click)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CaseStudyForm(FlaskForm):
    """Write or edit a case study."""

    title = StringField(
        "Title",
        validators=[
            DataRequired("Enter a title"),
            must_be_at_most(TITLE_MAX, "Title"),
        ],
        description=(
            "Say what you built and for whom, e.g. 'Moving 12 council sites onto LocalGov Drupal'."
        ),
    )
    summary = TextAreaField(
        "Summary",
        validators=[
            DataRequired("Enter a summary of one or two sentences"),
            must_be_at_most(SUMMARY_MAX, "Summary"),
        ],
        description=(
            f"One or two sentences, up to {SUMMARY_MAX:,} characters. Shown in lists and search."
        ),
    )
    language = language_field()
    outcome = SelectField("Outcome", choices=_choices(Outcome), default=Outcome.SUCCESS.value)
    sector = SelectField("Sector", choices=_choices(Sector), default=Sector.LOCAL_GOVERNMENT.value)
    country = optional_line("Country", PLACE_MAX)
    region = optional_line("Region", PLACE_MAX)
    # Checked before anything is rendered, so a preview is bounded like a save.
    challenge = TextAreaField("The challenge", _section_checks(), description=SECTION_HINT)
    what_we_built = TextAreaField("What we built", _section_checks(), description=SECTION_HINT)
    results = TextAreaField("Results", _section_checks(), description=SECTION_HINT)
    lessons_learned = TextAreaField(
        "Lessons learned",
        _section_checks(),
        description=(
            "Required when the outcome is a failure or mixed. What would you do differently?"
        ),
    )
    technologies = optional_line(
        "Technologies", 500, description="Separate with commas, e.g. Drupal, LocalGov Drupal, Solr."
    )
    topics = optional_line(
        "Topics", 500, description="Separate with commas, e.g. accessibility, procurement."
    )
    suppliers = MultiCheckboxField("Suppliers involved", choices=[], validate_choice=True)
    # Day, month and year boxes (GOV.UK date input), not the browser's date picker.
    started_on = DateInputField(
        "Started", validators=[Optional()], description="For example, 1 3 2024"
    )
    live_on = DateInputField(
        "Went live", validators=[Optional()], description="For example, 30 9 2024"
    )
    budget_band = SelectField("Budget", choices=_choices(BudgetBand), default="unknown")
    repository_url = URLField("Code repository", validators=[Optional(), Length(max=URL_MAX)])
    live_url = URLField("Live site", validators=[Optional(), Length(max=URL_MAX)])
    publiccode_url = URLField("publiccode.yml", validators=[Optional(), Length(max=URL_MAX)])
    adapted_from = optional_line(
        "Adapted from",
        1000,
        description=(
            "Web addresses of case studies on this site that you reused, separated by commas."
        ),
    )
    co_authors = optional_line(
        "Co-authors",
        1000,
        description="Email addresses of people with an account here, separated by commas.",
    )
    slug = optional_line(
        "Web address",
        SLUG_MAX,
        description="The last part of the page's address. Old addresses keep redirecting.",
    )

    def to_data(self) -> CaseStudyData:
        """The form's values as plain service data."""
        return CaseStudyData(
            title=self.title.data or "",
            summary=self.summary.data or "",
            sector=Sector(self.sector.data),
            outcome=Outcome(self.outcome.data),
            country=self.country.data or "",
            region=self.region.data or "",
            challenge=self.challenge.data or "",
            what_we_built=self.what_we_built.data or "",
            results=self.results.data or "",
            lessons_learned=self.lessons_learned.data or "",
            technologies=parse_tag_names(self.technologies.data or ""),
            topics=parse_tag_names(self.topics.data or ""),
            supplier_slugs=list(self.suppliers.data or []),
            started_on=self.started_on.data,
            live_on=self.live_on.data,
            budget_band=BudgetBand(self.budget_band.data),
            repository_url=self.repository_url.data or "",
            live_url=self.live_url.data or "",
            publiccode_url=self.publiccode_url.data or "",
            adapted_from_slugs=_list(self.adapted_from.data),
            co_author_emails=_list(self.co_authors.data),
            slug=(self.slug.data or "").strip(),
            language=self.language.data or "",
        )

    def fill(self, data: CaseStudyData) -> None:
        """Put a case study's content into the form (for editing)."""
        for name in ("title", "summary", "country", "region", "challenge", "what_we_built"):
            getattr(self, name).data = getattr(data, name)
        for name in ("results", "lessons_learned", "repository_url", "live_url", "publiccode_url"):
            getattr(self, name).data = getattr(data, name)
        self.sector.data = data.sector.value
        self.outcome.data = data.outcome.value
        self.budget_band.data = data.budget_band.value
        self.technologies.data = ", ".join(data.technologies)
        self.topics.data = ", ".join(data.topics)
        self.suppliers.data = data.supplier_slugs
        self.started_on.data = data.started_on
        self.live_on.data = data.live_on
        self.adapted_from.data = ", ".join(data.adapted_from_slugs)
        self.co_authors.data = ", ".join(data.co_author_emails)
        self.slug.data = data.slug
        self.language.select(data.language)


class ReturnForm(FlaskForm):
    """A moderator's reason for returning a case study."""

    reason = TextAreaField(
        "What should the authors change?",
        validators=[
            DataRequired("Say what the authors should change"),
            Length(max=RETURN_REASON_MAX),
        ],
    )
