"""New rows that refer to each other, written in one statement.

Logging an incident writes the incident, its first assignment segment, its clocks and its
history event, each referring to the incident (the OLA clocks to the segment too). Through
the ORM that is one round trip and one SQL compilation per model. ``insert_linked`` writes
them as one PostgreSQL statement of data-modifying CTEs whose text is built from the models'
metadata once per shape (models, row counts, links) and then reused; the values go through
each field's own ``pre_save`` / ``get_db_prep_save``, as ``Model.save()`` does.

No model signals are sent and no ``save()`` override runs (as with ``bulk_create``): use it
for new rows of models that rely on neither. Other databases (SQLite for ``make run``) write
the groups one after the other with ``bulk_create``.
"""

from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connections, router
from django.db.models import Model
from django.db.models.fields import AutoFieldMixin


@dataclass(eq=False)
class NewRows:
    """Unsaved instances of one model; ``links`` maps a foreign key's ``attname`` to the
    one-row group (written before this one) whose new primary key it takes."""

    objs: list[Model]
    links: dict[str, "NewRows"] = field(default_factory=dict)

    @property
    def model(self) -> type[Model]:
        return type(self.objs[0])


def _columns(model) -> list:
    meta = model._meta
    if meta.parents:
        raise TypeError(f"{meta.label}: multi-table inheritance is not supported")
    columns = []
    for f in meta.concrete_fields:
        if f.primary_key and isinstance(f, AutoFieldMixin):
            continue  # the database numbers the row
        if f.generated or f.has_db_default():
            raise TypeError(f"{meta.label}.{f.name}: database-computed fields are not supported")
        columns.append(f)
    return columns


@lru_cache(maxsize=128)
def _statement(alias: str, shape: tuple) -> str:
    """The statement of one shape: ((model, rows, ((attname, group index), …)), …)."""
    qn = connections[alias].ops.quote_name
    parts, selects = [], []
    for index, (model, rows, links) in enumerate(shape):
        meta = model._meta
        linked = dict(links)
        columns = _columns(model)

        def value(f, linked=linked):
            if f.attname not in linked:
                return "%s"
            parent = linked[f.attname]
            parent_pk = qn(shape[parent][0]._meta.pk.column)
            return f"(SELECT {parent_pk} FROM w{parent})"  # noqa: S608 - names from _meta

        values = ", ".join(value(f) for f in columns)
        names = ", ".join(qn(f.column) for f in columns)
        rows_sql = ", ".join([f"({values})"] * rows)
        pk = qn(meta.pk.column)
        parts.append(
            f"w{index} AS (INSERT INTO {qn(meta.db_table)} ({names}) "  # noqa: S608
            f"VALUES {rows_sql} RETURNING {pk})"
        )
        selects.append(f"SELECT {index}, {pk} FROM w{index}")  # noqa: S608
    return "WITH " + ", ".join(parts) + " " + " UNION ALL ".join(selects)


def _check(groups: list[NewRows]) -> None:
    seen = set()
    for group in groups:
        model = group.model
        if any(type(obj) is not model or obj.pk is not None for obj in group.objs):
            raise ValueError(f"{model._meta.label}: give unsaved rows of one model per group")
        for attname, parent in group.links.items():
            if id(parent) not in seen or len(parent.objs) != 1:
                raise ValueError(f"{attname}: link to one new row of an earlier group")
        seen.add(id(group))


def _link(group: NewRows) -> None:
    """Set the linked foreign keys to the parents' new keys (keeping the cached parents)."""
    meta = group.model._meta
    for attname, parent in group.links.items():
        fk = next(f for f in meta.concrete_fields if f.attname == attname)
        parent_obj = parent.objs[0]
        for obj in group.objs:
            setattr(obj, attname, parent_obj.pk)
            fk.set_cached_value(obj, parent_obj)


def insert_linked(*groups: NewRows, using: str | None = None) -> None:
    """Insert the groups' rows (in order) and set their primary keys and linked keys."""
    groups = [g for g in groups if g.objs]
    if not groups:
        return
    _check(groups)
    alias = using or router.db_for_write(groups[0].model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        for group in groups:
            _link(group)
            group.model._base_manager.using(alias).bulk_create(group.objs)
        return
    index = {id(g): i for i, g in enumerate(groups)}
    shape = tuple(
        (
            g.model,
            len(g.objs),
            tuple(sorted((attname, index[id(parent)]) for attname, parent in g.links.items())),
        )
        for g in groups
    )
    params = []
    for group in groups:
        columns = [f for f in _columns(group.model) if f.attname not in group.links]
        for obj in group.objs:
            for f in columns:
                value = f.pre_save(obj, True)
                if hasattr(value, "resolve_expression"):
                    label = group.model._meta.label
                    raise TypeError(f"{label}.{f.name}: expressions are not supported")
                params.append(f.get_db_prep_save(value, connection=connection))
    with connection.cursor() as cursor:
        cursor.execute(_statement(alias, shape), params)
        returned = cursor.fetchall()
    keys = {i: [] for i in range(len(groups))}
    for i, pk in returned:
        keys[i].append(pk)
    for i, group in enumerate(groups):
        # Identity values are drawn in the order of the VALUES rows: ascending keys map back
        # onto the objects in order.
        for obj, pk in zip(group.objs, sorted(keys[i]), strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = alias
        _link(group)
