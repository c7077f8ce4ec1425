//! The OpenAPI schemas of the optional cost inputs, which derive cannot express: a number in
//! range, `null`, or the empty text a form's blank field sends.

use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};

use super::{DOWNTIME_RANGE, FEE_RANGE, HOURLY_RATE_RANGE};

fn optional_amount(range: (f64, f64)) -> Schema {
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Number)
                .minimum(Some(range.0))
                .maximum(Some(range.1)),
        )
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([""])),
        )
        .build()
        .into()
}

pub fn light_users() -> Schema {
    OneOfBuilder::new()
        .description(Some(
            "How many of the `employees` only use a shared device or a phone now and then; at most `employees` (a larger number is a 422 naming this field).",
        ))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .maximum(Some(10_000)),
        )
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([""])),
        )
        .build()
        .into()
}

pub fn hourly_rate() -> Schema {
    optional_amount(HOURLY_RATE_RANGE)
}

pub fn managed_fee_per_user() -> Schema {
    optional_amount(FEE_RANGE)
}

pub fn downtime_cost_per_hour() -> Schema {
    optional_amount(DOWNTIME_RANGE)
}
