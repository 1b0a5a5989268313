"""The words a generated community is made of: names, places, tags and Markdown texts."""

from __future__ import annotations

import random


def _split(text: str) -> tuple[str, ...]:
    """Words of a space-separated list (long lists stay readable)."""
    return tuple(text.split())


PLACES = _split(
    "Aberdeen Bath Belfast Birmingham Bradford Brighton Bristol Cambridge Cardiff Carlisle "
    "Chester Coventry Derby Dundee Durham Edinburgh Exeter Glasgow Gloucester Hereford "
    "Inverness Kent Lancaster Leeds Leicester Lincoln Liverpool Manchester Newcastle Newport "
    "Norwich Nottingham Oxford Perth Plymouth Portsmouth Preston Reading Salford Sheffield "
    "Southampton Stirling Sunderland Swansea Truro Wakefield Winchester Worcester York Surrey "
    "Essex Suffolk Norfolk Devon Cornwall Dorset Somerset Wiltshire Hampshire Cumbria Fife "
    "Lothian Gwynedd Powys Antrim Down Armagh Dublin Cork Galway Limerick Utrecht Ghent "
    "Aarhus Tampere Bergen Gothenburg Malmo Uppsala Turku Tartu Vilnius Riga Porto Braga "
    "Bilbao Lyon Lille Nantes Rennes Bologna Turin Graz Linz Basel Bern Leuven Haarlem Delft "
    "Odense Espoo"
)
COUNTRIES = (
    ("United Kingdom", 60),
    ("Ireland", 8),
    ("Netherlands", 6),
    ("Germany", 5),
    ("France", 4),
    ("Sweden", 3),
    ("Finland", 3),
    ("Denmark", 3),
    ("Estonia", 2),
    ("Spain", 2),
    ("Italy", 2),
    ("Belgium", 2),
)
REGIONS = ("North", "South", "East", "West", "Midlands", "Highlands", "Coast", "Valleys", "")
FIRST_NAMES = _split(
    "Aisha Alex Amir Ana Anna Ben Bo Carla Chen Chloe Dan Dara Eilidh Ella Emeka Erin Femi "
    "Finn Freya Gareth Grace Hamza Hannah Ida Imran Isla Jack Jade Jamal Jan Joanna Jonas Kai "
    "Kate Kemi Lars Laura Leila Liam Lina Lucy Maja Marco Maria Mark Maya Mina Mo Nadia Nina "
    "Noah Olu Omar Owen Paula Pedro Priya Rhys Rosa Ruth Sam Sara Sean Sofia Tariq Tess Theo "
    "Tom Una Vera Wei Will Yara Yusuf Zara Zoe Nia Iwan Ciara Niamh Oisin Mairi Ewan Ruaridh "
    "Sinead"
)
LAST_NAMES = _split(
    "Adams Ahmed Ali Andersen Baker Banerjee Berg Brown Byrne Campbell Chen Clarke Costa "
    "Davies Dubois Edwards Evans Fischer Fraser Garcia Green Hall Hansen Hughes Hussain "
    "Jansen Jensen Johnson Jones Kaur Kelly Khan Koch Larsen Lee Lewis Lopez MacLeod Martin "
    "Meyer Morgan Murphy Nielsen Novak Okafor Owen Patel Peters Price Quinn Reid Roberts "
    "Robinson Rossi Russo Schmidt Scott Shah Silva Singh Smith Stewart Taylor Thomas Thompson "
    "Turner Walker Walsh Watson White Williams Wilson Wood Wright Young Zhang Kowalski "
    "Virtanen Korhonen Tamm"
)
JOB_TITLES = (
    "Service designer",
    "Developer",
    "Senior developer",
    "Product manager",
    "Delivery manager",
    "User researcher",
    "Content designer",
    "Data analyst",
    "Head of digital",
    "Chief digital officer",
    "Technical architect",
    "Accessibility lead",
    "Procurement officer",
    "Interaction designer",
    "",
)
TECHNOLOGIES = _split(
    "Drupal WordPress CKAN Django Flask Rails Laravel Symfony React Vue Angular Svelte "
    "PostgreSQL MySQL SQLite MongoDB Redis Elasticsearch OpenSearch Solr Kafka RabbitMQ Nginx "
    "Apache Kubernetes Docker Terraform Ansible Puppet Jenkins GitLab GitHub Keycloak Matomo "
    "Grafana Prometheus Python Java Kotlin Go Rust PHP Ruby TypeScript JavaScript Node.js "
    "Deno Spring Quarkus dotnet Azure AWS GCP OpenStack Nextcloud Moodle Decidim Consul "
    "Alfresco Nuxeo Odoo QGIS GeoServer PostGIS OpenStreetMap Leaflet Mapbox Jupyter Pandas "
    "Airflow dbt Metabase Superset Tableau PowerBI Twilio Notify Salesforce Dynamics "
    "SharePoint Liferay Umbraco Wagtail Plone Hugo Jekyll Gatsby Next.js Strapi Directus "
    "OpenAPI GraphQL gRPC OAuth OpenID XRoad SAML FHIR HL7 Zammad Jira Confluence Mattermost"
)
TOPIC_WORDS = _split(
    "accessibility procurement open-data open-source cloud hosting identity payments forms "
    "design research content search maps records archives housing transport health education "
    "social-care waste planning licensing elections benefits tax libraries parking recycling "
    "grants inspections complaints appointments bookings translation chatbots ai analytics "
    "security privacy consent cookies performance resilience migration legacy "
    "interoperability standards apis mobile email notifications case-management workflow"
)
TOPIC_QUALIFIERS = _split(
    "digital local national shared citizen staff rural urban adult child green smart secure "
    "public community regional assisted self-service multilingual real-time"
)
ORG_FORMS = {
    "council": ("{p} Council", "{p} City Council", "{p} County Council", "{p} Borough Council"),
    "central-government": (
        "Department for {t}",
        "{t} Agency",
        "Office for {t}",
        "{t} Service",
    ),
    "health": ("{p} NHS Trust", "{p} Health Board", "{p} Hospitals", "{p} Care Partnership"),
    "education": ("University of {p}", "{p} College", "{p} Schools Trust", "{p} Institute"),
    "police-justice": ("{p} Police", "{p} Courts Service", "{p} Probation", "{p} Fire Service"),
    "charity": ("{p} Community Trust", "{t} Foundation", "{p} Citizens Advice", "{t} Network"),
    "supplier": ("{s} Digital", "{s} Labs", "{s} Consulting", "{s} Systems", "{s} Studio"),
    "other": ("{p} Housing Association", "{t} Commission", "{p} Transport Partnership"),
}
SUPPLIER_STEMS = _split(
    "Brightwave Northgate Opencraft Kestrel Fieldwork Lantern Harbour Meridian Granite Willow "
    "Beacon Quarry Saltire Pennant Heron Ember Cobalt Thistle Juniper Larch Osprey Tideline "
    "Hawthorn Driftwood Slate Foxglove Marram Bracken Skylark Puffin Ironbridge Causeway"
)
THEMES = (
    "Work and Pensions",
    "Education",
    "Transport",
    "Health",
    "Justice",
    "Environment",
    "Housing",
    "Culture",
    "Trade",
    "Digital Services",
    "Statistics",
    "Energy",
    "Food Standards",
    "Land Registry",
    "Companies",
    "Revenue",
)
TITLE_VERBS = (
    "Rebuilding",
    "Replacing",
    "Moving",
    "Opening up",
    "Simplifying",
    "Automating",
    "Redesigning",
    "Sharing",
    "Launching",
    "Retiring",
    "Piloting",
    "Scaling",
    "Joining up",
    "Testing",
    "Translating",
    "Measuring",
)
TITLE_THINGS = (
    "the bin collection service",
    "school admissions",
    "parking permits",
    "council tax accounts",
    "the planning portal",
    "library bookings",
    "housing repairs",
    "the open data catalogue",
    "the intranet",
    "licensing applications",
    "the address register",
    "grant applications",
    "the complaints process",
    "appointment booking",
    "the website search",
    "FOI requests",
    "the records archive",
    "benefit claims",
    "the events calendar",
    "street works notices",
    "the job board",
    "the GP finder",
    "the case management system",
    "identity checks",
    "payments",
    "the consultation hub",
    "bus timetables",
    "the mapping platform",
    "staff sign-in",
    "the tree register",
)
TITLE_AUDIENCES = (
    "residents",
    "carers",
    "small businesses",
    "students",
    "staff",
    "visitors",
    "older people",
    "tenants",
    "landlords",
    "volunteers",
    "schools",
    "partners",
)
THREAD_OPENERS = (
    "Has anyone moved {t} to {x}?",
    "How do you handle {t}?",
    "Looking for advice on {t}",
    "Lessons from {t} with {x}",
    "{x} versus the alternatives for {t}",
    "Procurement route for {t}",
    "Accessibility audit of {t}: where to start",
    "Is {x} still a good choice for {t}?",
    "Sharing our {t} code",
    "Meetup notes: {t}",
)
EVENT_KINDS = (
    "Show and tell",
    "Meetup",
    "Unconference",
    "Workshop",
    "Webinar",
    "Hack day",
    "Conference",
    "Community call",
    "Training",
    "Drop-in",
)
TIMEZONES = (
    ("Europe/London", 70),
    ("Europe/Dublin", 8),
    ("Europe/Amsterdam", 6),
    ("Europe/Berlin", 5),
    ("Europe/Paris", 4),
    ("Europe/Stockholm", 3),
    ("Europe/Helsinki", 2),
    ("Europe/Tallinn", 2),
)
FORUM_CATEGORIES = (
    ("General", "Anything about digital public services."),
    ("Accessibility", "Making services work for everyone."),
    ("Open source", "Sharing and reusing code between public bodies."),
    ("Procurement", "Buying digital services: frameworks, contracts and suppliers."),
    ("Data", "Open data, analytics and data standards."),
    ("Cloud and hosting", "Infrastructure, hosting and operations."),
    ("Design and research", "Service design, user research and content."),
    ("Careers", "Jobs, skills and communities of practice."),
    ("Introductions", "Say hello and tell us what you work on."),
    ("About this site", "Questions and suggestions about the exchange itself."),
)

_SENTENCES = (
    "We started with {n} user research sessions with {a} and found the old {t} confused almost "
    "everyone.",
    "The first release took {n} weeks; most of that time went on data migration.",
    "We used **{x}** because two neighbouring councils already ran it.",
    "Accessibility testing with screen reader users changed the design of every form.",
    "Our supplier worked in the open, so the code is on a public repository.",
    "Budget was tight, so we reused components from the national design system.",
    "Call volumes fell by {n} per cent in the first quarter.",
    "It did not work: take-up stayed low and we switched it off after {n} months.",
    "The hardest part was agreeing who owns the data between {n} departments.",
    "We wrote down every decision in an architecture decision record.",
    "Security review found problems with the sign-in flow, which we fixed before launch.",
    "Staff needed training, and the help pages were rewritten {n} times.",
    "The service now handles about {n} thousand requests a month.",
    "Procurement took longer than building: {n} months from tender to contract.",
    "We would choose a smaller first release next time.",
    "Performance was fine until the annual deadline brought {n} times the usual traffic.",
    "Translation into {n} languages came from community volunteers.",
    "We measured completion rates each week and published them.",
    "Legacy integrations with {x} caused most of the incidents.",
    "Other teams have since reused it for {t}.",
)
_REPLIES = (
    "Thanks, this is really useful.",
    "We did something similar with **{x}** last year; happy to share notes.",
    "How did you handle the data migration?",
    "Did you look at {x}? It saved us months.",
    "+1, we hit exactly the same problem with {t}.",
    "Our procurement team went through the framework; it took {n} weeks.",
    "Could you share the research findings? We are about to start on {t}.",
    "We tried this and it failed for us: take-up stayed low.",
    "Good question. In our experience the hardest part is the people, not the tech.",
    "There is a recording of the talk on this from the last meetup.",
    "I would be careful with {x} at that scale.",
    "We ended up building our own, which I would not recommend.",
)


def weighted(pairs: tuple[tuple[str, int], ...]) -> tuple[list[str], list[int]]:
    """Values and cumulative weights, for `random.choices(..., cum_weights=...)`."""
    values, cum, total = [], [], 0
    for value, weight in pairs:
        total += weight
        values.append(value)
        cum.append(total)
    return values, cum


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        n=rng.randint(2, 40),
        a=rng.choice(TITLE_AUDIENCES),
        t=rng.choice(TITLE_THINGS),
        x=rng.choice(TECHNOLOGIES),
    )


def paragraph(rng: random.Random, sentences: int) -> str:
    """A paragraph of plausible case-study prose."""
    return " ".join(_fill(rng.choice(_SENTENCES), rng) for _ in range(sentences))


def section(rng: random.Random) -> str:
    """A Markdown section: paragraphs, sometimes a list, a link or a code block."""
    parts = [paragraph(rng, rng.randint(2, 5)) for _ in range(rng.randint(1, 4))]
    roll = rng.random()
    if roll < 0.3:
        parts.append("\n".join(f"- {_fill(rng.choice(_SENTENCES), rng)}" for _ in range(3)))
    elif roll < 0.4:
        parts.append(f"See [the project notes](https://example.org/notes/{rng.randint(1, 999)}).")
    elif roll < 0.45:
        parts.append("```\nmake deploy ENV=production\n```")
    return "\n\n".join(parts)


def post_body(rng: random.Random) -> str:
    """A forum post or comment in Markdown: a reply line, sometimes a quote or more prose."""
    parts = [_fill(rng.choice(_REPLIES), rng)]
    roll = rng.random()
    if roll < 0.15:
        parts.insert(0, "> " + _fill(rng.choice(_SENTENCES), rng))
    if roll > 0.6:
        parts.append(paragraph(rng, rng.randint(1, 4)))
    return "\n\n".join(parts)
