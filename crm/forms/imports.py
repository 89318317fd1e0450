"""The import pages' forms: the upload (file, what to do with rows that match an existing
customer or lead, tags to add) and the column mapping of a checked file (each column of the
file -> one of the fields it may fill, or "Don't import").

They only turn input into typed values; crm.services.imports judges the file, the mapping and
the tags, and its ValidationError lands on these forms' fields (tenancy.forms.add_service_errors).
"""

from django import forms

KINDS = ("customers", "leads")
SKIP, UPDATE, CREATE = "skip", "update", "create"
DONT_IMPORT = ""
# How many tags one import may add (the service judges each name).
MAX_TAGS = 20


def duplicate_choices(kind: str) -> list[tuple[str, str]]:
    """What to do with a row matching an existing record (by email, then phone), in words."""
    noun = "lead" if kind == "leads" else "customer"
    return [
        (SKIP, f"Skip rows that match an existing {noun}"),
        (UPDATE, f"Update the existing {noun}"),
        (CREATE, f"Create a new {noun} anyway"),
    ]


def duplicate_words(kind: str, value: str) -> str:
    return dict(duplicate_choices(kind)).get(value, value)


class TagsField(forms.CharField):
    """Comma-separated tag names -> a list without blanks or repeats (the service checks each)."""

    def to_python(self, value):
        text = super().to_python(value)
        names = [name.strip() for name in text.split(",") if name.strip()]
        return list(dict.fromkeys(names))

    def validate(self, value):
        super().validate(value)
        if len(value) > MAX_TAGS:
            raise forms.ValidationError(f"Give at most {MAX_TAGS} tags.")


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="A CSV (comma or semicolon separated, UTF-8) or an Excel workbook (.xlsx), "
        "with the column names in the first row.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
        error_messages={
            "required": "Choose a file to import.",
            "empty": "The file is empty.",
        },
    )
    on_duplicate = forms.ChoiceField(
        label="Rows that match an existing record",
        widget=forms.RadioSelect,
        initial=SKIP,
        help_text="Matched by email address, then by phone number.",
    )
    tags = TagsField(
        label="Tags to add",
        required=False,
        max_length=500,
        help_text="Comma-separated; every imported or updated record gets them.",
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["on_duplicate"].choices = duplicate_choices(kind)
        noun = "lead" if kind == "leads" else "customer"
        self.fields["on_duplicate"].label = f"Rows that match an existing {noun}"


class MappingForm(forms.Form):
    """One dropdown per column of the file (fields `column_0`, `column_1`, … in the file's
    order, labelled with the column's name), plus the duplicate policy, which changes the
    counts as much as the mapping does."""

    on_duplicate = forms.ChoiceField(label="Rows that match an existing record")

    def __init__(
        self,
        *args,
        headers: list[str],
        targets: list[tuple[str, str]],
        mapping: dict,
        kind: str,
        on_duplicate: str,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.headers = list(headers)
        choices = [(DONT_IMPORT, "Don't import"), *targets]
        known = {value for value, _ in targets}
        for index, header in enumerate(self.headers):
            chosen = mapping.get(header) or DONT_IMPORT
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or f"Column {index + 1}",
                choices=choices,
                required=False,
                initial=chosen if chosen in known else DONT_IMPORT,
                error_messages={"invalid_choice": "Choose one of the fields listed."},
            )
        self.fields["on_duplicate"].choices = duplicate_choices(kind)
        self.fields["on_duplicate"].initial = on_duplicate
        noun = "lead" if kind == "leads" else "customer"
        self.fields["on_duplicate"].label = f"Rows that match an existing {noun}"

    def columns(self):
        """(column name, bound field) in the file's order, for the mapping table."""
        return [(header, self[f"column_{i}"]) for i, header in enumerate(self.headers)]

    def clean(self):
        cleaned = super().clean()
        seen: dict[str, str] = {}
        for index, header in enumerate(self.headers):
            name = f"column_{index}"
            target = cleaned.get(name)
            if not target:
                continue
            if target in seen:
                label = dict(self.fields[name].choices).get(target, target)
                self.add_error(
                    name, f"“{seen[target]}” fills {label} already; choose one column for it."
                )
            else:
                seen[target] = header or f"Column {index + 1}"
        if self.headers and not seen and not self.errors:
            raise forms.ValidationError("Choose a field for at least one column.")
        return cleaned

    def mapping(self) -> dict[str, str]:
        """{column: target}; a column not imported maps to "" (the job's convention)."""
        return {
            header: self.cleaned_data.get(f"column_{i}") or DONT_IMPORT
            for i, header in enumerate(self.headers)
        }
