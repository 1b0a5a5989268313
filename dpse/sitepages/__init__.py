"""The pages a public body must publish: accessibility statement, privacy notice, terms and
code of conduct, contact; their admin-edited text with revisions, and accessibility reports."""
