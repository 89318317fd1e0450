from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import QuerySet


def full_clean_once(instance: models.Model, **kwargs) -> None:
    """`full_clean`, each message once per field: a field's own validator and the model's
    `clean()` (which normalises the value, a phone say) can refuse the same value with the same
    words, and a person should read them once."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        distinct = {}
        for name, errors in exc.error_dict.items():
            by_text = {}
            for error in errors:  # ValidationErrors, kept so their codes go along
                by_text.setdefault(" ".join(error.messages), error)
            distinct[name] = list(by_text.values())
        raise ValidationError(distinct) from None


def save_validated(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Validate every field, `clean()` and the constraints, then save.

    A concurrent writer can still win the race between the check and the insert; the database
    constraint then refuses the row and the caller gets the same validation error, not a 500.
    """
    full_clean_once(instance, exclude=exclude)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ValidationError(
            "This conflicts with an existing record; reload and try again."
        ) from exc


def assign_fields(
    instance: models.Model, data: dict, *, allowed: Collection[str]
) -> dict[str, tuple]:
    """Set the given fields and return {field: (old, new)} for those that changed."""
    unknown = set(data).difference(allowed)
    if unknown:
        raise ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
    changes = {}
    for name, value in data.items():
        try:
            old = getattr(instance, name)
        except ObjectDoesNotExist:  # a foreign key not set yet
            old = None
        if old != value:
            changes[name] = (old, value)
            setattr(instance, name, value)
    return changes


@contextmanager
def reverted_on_refusal(instance: models.Model) -> Iterator[None]:
    """On a refused update, reload the caller's object so it shows what is saved, not what was
    refused (a page re-rendering it, or the next call, must not see half-applied values)."""
    try:
        yield
    except ValidationError:
        instance.refresh_from_db()
        raise


def insert_select(model: type[models.Model], fields: Sequence[str], rows: QuerySet) -> int:
    """INSERT INTO model (fields) SELECT …, skipping conflicts; returns how many rows went in.
    `rows` is a values_list of exactly `fields`, in order: the database makes the rows, so
    50,000 links or history rows never travel through Python as objects."""
    sql, params = rows.order_by().query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {sql} ON CONFLICT DO NOTHING",
            params,
        )
        return cursor.rowcount
