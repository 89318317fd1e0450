"""The three baselines, as plain tables in the bench database (raw SQL: not Django models, not in
migrations), each holding the same customers and custom values as crm_customer:

- EAV, django-eav2 style: an entity table with the core columns, an attribute per tenant field,
  a global enum-value table for selects, and one value row per filled field with eav2's
  columns and exactly eav2's indexes (primary key, the foreign keys attribute_id, entity_ct_id,
  value_enum_id, generic_value_ct_id, and the unique (entity_ct, attribute, entity_id) and
  (entity_ct, attribute, entity_uuid)); no index on any value column, as in eav2.
- JSONB: the core columns plus one `custom` jsonb object {field_key: value} with a GIN
  (jsonb_path_ops) index.
- Naive: crm_customer's own layout (90 slot columns and custom_fields_extra) with a full
  single-column index on each of the 90 slots.

Every table also gets crm_customer's core indexes, so the slot/value indexing is the only
difference.
"""

EAV_ATTRIBUTE = "bench_cf_eav_attribute"
EAV_ENUM = "bench_cf_eav_enumvalue"
EAV_ENTITY = "bench_cf_eav_entity"
EAV_VALUE = "bench_cf_eav_value"
JSONB = "bench_cf_jsonb"
NAIVE = "bench_cf_naive"
TABLES = (EAV_VALUE, EAV_ENTITY, EAV_ATTRIBUTE, EAV_ENUM, JSONB, NAIVE)
ENTITY_CT = 1  # the content type id eav2 would store for crm.Customer

CORE_COLUMNS = (
    "id",
    "tenant_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "description",
    "crm_score",
    "last_contacted_at",
    "total_interactions",
    "total_purchases",
    "total_spent",
    "created_by_id",
    "created_at",
    "updated_at",
)
_CORE_DDL = """
    id bigint PRIMARY KEY,
    tenant_id bigint NOT NULL,
    first_name varchar(100) NOT NULL,
    last_name varchar(100) NOT NULL,
    email varchar(254) NOT NULL,
    phone varchar(32) NOT NULL,
    company varchar(200) NOT NULL,
    description text NOT NULL,
    crm_score integer NOT NULL,
    last_contacted_at timestamptz,
    total_interactions integer NOT NULL,
    total_purchases integer NOT NULL,
    total_spent numeric(20, 2) NOT NULL,
    created_by_id integer,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
"""
EAV_VALUE_COLUMNS = (
    "entity_ct_id",
    "attribute_id",
    "entity_id",
    "value_text",
    "value_float",
    "value_date",
    "value_bool",
    "value_enum_id",
    "created",
    "modified",
    "tenant_id",
)

CREATE_TABLES = [
    f"""CREATE TABLE {EAV_ATTRIBUTE} (
        id integer PRIMARY KEY,
        tenant_id bigint NOT NULL,
        name varchar(100) NOT NULL,
        slug varchar(50) NOT NULL,
        datatype varchar(6) NOT NULL,
        required boolean NOT NULL,
        display_order integer NOT NULL,
        entity_ct_id integer,
        UNIQUE (tenant_id, slug)
    )""",
    f"""CREATE TABLE {EAV_ENUM} (
        id integer PRIMARY KEY,
        value varchar(50) NOT NULL UNIQUE
    )""",
    f"CREATE TABLE {EAV_ENTITY} ({_CORE_DDL})",
    f"""CREATE TABLE {EAV_VALUE} (
        id bigserial PRIMARY KEY,
        entity_ct_id integer NOT NULL,
        attribute_id integer NOT NULL,
        entity_id integer,
        entity_uuid uuid,
        value_text text NOT NULL DEFAULT '',
        value_float double precision,
        value_int bigint,
        value_date timestamptz,
        value_bool boolean,
        value_json jsonb,
        value_csv text,
        value_enum_id integer,
        generic_value_id integer,
        generic_value_ct_id integer,
        created timestamptz NOT NULL,
        modified timestamptz NOT NULL,
        tenant_id bigint NOT NULL,
        CONSTRAINT ensure_entity_id_xor_entity_uuid CHECK (
            (entity_id IS NOT NULL AND entity_uuid IS NULL)
            OR (entity_id IS NULL AND entity_uuid IS NOT NULL)
        )
    )""",
    f"CREATE TABLE {JSONB} ({_CORE_DDL}, custom jsonb NOT NULL DEFAULT '{{}}')",
    f"CREATE TABLE {NAIVE} (LIKE crm_customer INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
]


def core_indexes(table: str) -> list[tuple[str, str]]:
    """crm_customer's own (non-slot) indexes, on a baseline table."""
    return [
        (f"{table}_{suffix}", f"CREATE INDEX {table}_{suffix} ON {table} ({columns})")
        for suffix, columns in (
            ("tenant", "tenant_id"),
            ("created_by", "created_by_id"),
            ("tenant_created", "tenant_id, created_at, id"),
            ("tenant_email", "tenant_id, email"),
            ("tenant_score", "tenant_id, crm_score"),
            ("tenant_contacted", "tenant_id, last_contacted_at"),
        )
    ]


def create_indexes() -> list[tuple[str, str]]:
    """(name, statement) pairs, built after loading (faster than row by row)."""
    from customfields.slots import ALL_SLOTS

    pairs = [
        (f"{NAIVE}_pkey", f"ALTER TABLE {NAIVE} ADD CONSTRAINT {NAIVE}_pkey PRIMARY KEY (id)"),
        *core_indexes(EAV_ENTITY),
        *core_indexes(JSONB),
        *core_indexes(NAIVE),
    ]
    # django-eav2's Value indexes: its foreign keys, then its two unique constraints.
    for column in ("attribute_id", "entity_ct_id", "value_enum_id", "generic_value_ct_id"):
        name = f"{EAV_VALUE}_{column}"
        pairs.append((name, f"CREATE INDEX {name} ON {EAV_VALUE} ({column})"))
    for name, column in (
        ("unique_entity_id_per_attribute", "entity_id"),
        ("unique_entity_uuid_per_attribute", "entity_uuid"),
    ):
        pairs.append(
            (
                name,
                f"ALTER TABLE {EAV_VALUE} ADD CONSTRAINT {name} "
                f"UNIQUE (entity_ct_id, attribute_id, {column})",
            )
        )
    for name, column, target in (
        (f"{EAV_VALUE}_attribute_fk", "attribute_id", EAV_ATTRIBUTE),
        (f"{EAV_VALUE}_enum_fk", "value_enum_id", EAV_ENUM),
    ):
        pairs.append(
            (
                name,
                f"ALTER TABLE {EAV_VALUE} ADD CONSTRAINT {name} "
                f"FOREIGN KEY ({column}) REFERENCES {target} (id)",
            )
        )
    name = f"{JSONB}_custom_gin"
    pairs.append((name, f"CREATE INDEX {name} ON {JSONB} USING gin (custom jsonb_path_ops)"))
    for slot in ALL_SLOTS:
        name = f"{NAIVE}_{slot}"
        pairs.append((name, f"CREATE INDEX {name} ON {NAIVE} ({slot})"))
    return pairs


def drop_tables() -> list[str]:
    return [f"DROP TABLE IF EXISTS {table} CASCADE" for table in TABLES]
