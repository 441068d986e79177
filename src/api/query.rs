//! List queries: DHIS2 filters (`property:operator:value`), order, paging and fields,
//! validated before anything is sent.
use std::fmt;
use std::str::FromStr;

use crate::api::error::{Error, Result};

/// The filter operators of the DHIS2 metadata API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Eq,
    NotEq,
    Ieq,
    Gt,
    Ge,
    Lt,
    Le,
    Like,
    NotLike,
    StartsWith,
    NotStartsWith,
    EndsWith,
    NotEndsWith,
    ILike,
    NotILike,
    IStartsWith,
    NotIStartsWith,
    IEndsWith,
    NotIEndsWith,
    In,
    NotIn,
    Null,
    NotNull,
    Empty,
    NotEmpty,
    Token,
    NotToken,
}

/// Every spelling DHIS2 accepts, with the operator it means.
const SPELLINGS: &[(&str, Operator)] = &[
    ("eq", Operator::Eq),
    ("!eq", Operator::NotEq),
    ("ne", Operator::NotEq),
    ("neq", Operator::NotEq),
    ("ieq", Operator::Ieq),
    ("gt", Operator::Gt),
    ("ge", Operator::Ge),
    ("gte", Operator::Ge),
    ("lt", Operator::Lt),
    ("le", Operator::Le),
    ("lte", Operator::Le),
    ("like", Operator::Like),
    ("!like", Operator::NotLike),
    ("$like", Operator::StartsWith),
    ("!$like", Operator::NotStartsWith),
    ("like$", Operator::EndsWith),
    ("!like$", Operator::NotEndsWith),
    ("ilike", Operator::ILike),
    ("!ilike", Operator::NotILike),
    ("$ilike", Operator::IStartsWith),
    ("startsWith", Operator::IStartsWith),
    ("!$ilike", Operator::NotIStartsWith),
    ("ilike$", Operator::IEndsWith),
    ("endsWith", Operator::IEndsWith),
    ("!ilike$", Operator::NotIEndsWith),
    ("in", Operator::In),
    ("!in", Operator::NotIn),
    ("null", Operator::Null),
    ("!null", Operator::NotNull),
    ("empty", Operator::Empty),
    ("!empty", Operator::NotEmpty),
    ("token", Operator::Token),
    ("!token", Operator::NotToken),
];

impl Operator {
    /// The canonical spelling sent to the server.
    pub fn as_str(self) -> &'static str {
        SPELLINGS
            .iter()
            .find(|(_, op)| *op == self)
            .map(|(text, _)| *text)
            .unwrap_or("eq")
    }

    /// Operators that take no value part.
    pub fn is_unary(self) -> bool {
        matches!(
            self,
            Operator::Null | Operator::NotNull | Operator::Empty | Operator::NotEmpty
        )
    }

    fn takes_list(self) -> bool {
        matches!(self, Operator::In | Operator::NotIn)
    }
}

impl FromStr for Operator {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        SPELLINGS
            .iter()
            .find(|(spelling, _)| *spelling == text)
            .map(|(_, op)| *op)
            .ok_or_else(|| Error::InvalidInput(format!("`{text}` is not a valid operator.")))
    }
}

/// One `property:operator[:value]` filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub property: String,
    pub operator: Operator,
    pub value: Option<String>,
}

impl Filter {
    pub fn new(property: &str, operator: Operator, value: Option<&str>) -> Result<Filter> {
        let filter = Filter {
            property: property.to_string(),
            operator,
            value: value.map(str::to_string),
        };
        filter.validate()?;
        Ok(filter)
    }

    /// The filter a plain search box means: name contains the text, any case.
    pub fn name_contains(text: &str) -> Filter {
        Filter {
            property: "name".into(),
            operator: Operator::ILike,
            value: Some(text.to_string()),
        }
    }

    /// Parses DHIS2 filter syntax. The value is everything after the second `:`, so it may
    /// itself contain `:` (URLs, times).
    pub fn parse(text: &str) -> Result<Filter> {
        let text = text.trim();
        let mut parts = text.splitn(3, ':');
        let property = parts.next().unwrap_or_default();
        let operator = parts.next();
        let value = parts.next();
        let Some(operator) = operator.filter(|_| !property.is_empty()) else {
            return Err(Error::InvalidInput(format!(
                "Invalid filter => {text} (expected property:operator:value, e.g. name:ilike:malaria)"
            )));
        };
        let filter = Filter {
            property: property.to_string(),
            operator: operator.parse()?,
            // `name:ilike:` would match nothing at all, silently: an empty value is no value.
            value: value.filter(|value| !value.is_empty()).map(str::to_string),
        };
        filter.validate()?;
        Ok(filter)
    }

    fn validate(&self) -> Result<()> {
        let valid_path = !self.property.is_empty()
            && self
                .property
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
        if !valid_path {
            return Err(Error::InvalidInput(format!(
                "`{}` is not a property path (letters, digits, `.` and `_` only)",
                self.property
            )));
        }
        match (&self.value, self.operator) {
            (Some(value), op) if op.is_unary() => Err(Error::InvalidInput(format!(
                "`{}` takes no value, but `{value}` was given",
                op.as_str()
            ))),
            (None, op) if !op.is_unary() => Err(Error::InvalidInput(format!(
                "`{}` needs a value: {}:{}:VALUE",
                op.as_str(),
                self.property,
                op.as_str()
            ))),
            (Some(value), op) if op.takes_list() && !is_bracketed_list(value) => {
                Err(Error::InvalidInput(format!(
                    "Invalid argument `{value}` for in operator: write the list in brackets, e.g. [a,b]"
                )))
            }
            _ => Ok(()),
        }
    }

    /// Whether a 2.42 server would split this filter on a comma outside brackets, which would
    /// silently drop the part after it.
    pub fn has_unbracketed_comma(&self) -> bool {
        self.value
            .as_deref()
            .is_some_and(|value| value.contains(',') && !is_bracketed_list(value))
    }
}

fn is_bracketed_list(value: &str) -> bool {
    value.starts_with('[') && value.ends_with(']') && value.len() >= 2
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.property, self.operator.as_str())?;
        if let Some(value) = &self.value {
            write!(f, ":{value}")?;
        }
        Ok(())
    }
}

impl FromStr for Filter {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        Filter::parse(text)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
    /// Case-insensitive ascending.
    IAsc,
    /// Case-insensitive descending.
    IDesc,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
            Direction::IAsc => "iasc",
            Direction::IDesc => "idesc",
        }
    }
}

/// One `property:direction` order clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub property: String,
    pub direction: Direction,
}

impl Order {
    pub fn new(property: &str, direction: Direction) -> Order {
        Order {
            property: property.to_string(),
            direction,
        }
    }

    /// Parses `property[:asc|desc|iasc|idesc]`. DHIS2 silently ignores a bad clause, so we
    /// refuse it here instead, where the operator can still fix it.
    pub fn parse(text: &str) -> Result<Order> {
        let (property, direction) = match text.trim().split_once(':') {
            Some((property, direction)) => (property, direction),
            None => (text.trim(), "asc"),
        };
        let direction = match direction.to_ascii_lowercase().as_str() {
            "asc" => Direction::Asc,
            "desc" => Direction::Desc,
            "iasc" => Direction::IAsc,
            "idesc" => Direction::IDesc,
            other => {
                return Err(Error::InvalidInput(format!(
                    "unknown order direction `{other}`: use asc, desc, iasc or idesc"
                )));
            }
        };
        if property.is_empty() || !property.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::InvalidInput(format!(
                "`{property}` is not a property to order by"
            )));
        }
        Ok(Order::new(property, direction))
    }
}

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.property, self.direction.as_str())
    }
}

/// DHIS2 accepts page sizes far beyond this, but one answer that large is already slow.
pub const MAX_PAGE_SIZE: u32 = 10_000;

/// A list request: filters (AND, or OR with `any`), order, paging and fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListQuery {
    pub filters: Vec<Filter>,
    /// Combine filters with OR instead of AND (`rootJunction=OR`).
    pub any: bool,
    pub order: Vec<Order>,
    pub page: u32,
    pub page_size: u32,
    /// `None` asks for the client's default field list.
    pub fields: Option<String>,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            filters: Vec::new(),
            any: false,
            order: Vec::new(),
            page: 1,
            page_size: 50,
            fields: None,
        }
    }
}

impl ListQuery {
    pub fn new() -> ListQuery {
        ListQuery::default()
    }

    pub fn filter(mut self, filter: Filter) -> ListQuery {
        self.filters.push(filter);
        self
    }

    pub fn order_by(mut self, order: Order) -> ListQuery {
        self.order.push(order);
        self
    }

    pub fn page(mut self, page: u32) -> ListQuery {
        self.page = page;
        self
    }

    pub fn page_size(mut self, page_size: u32) -> ListQuery {
        self.page_size = page_size;
        self
    }

    pub fn validate(&self) -> Result<()> {
        if self.page == 0 {
            return Err(Error::InvalidInput("pages are numbered from 1".into()));
        }
        if self.page_size == 0 || self.page_size > MAX_PAGE_SIZE {
            return Err(Error::InvalidInput(format!(
                "page size must be between 1 and {MAX_PAGE_SIZE}"
            )));
        }
        if let Some(filter) = self.filters.iter().find(|f| f.has_unbracketed_comma()) {
            return Err(Error::InvalidInput(format!(
                "filter `{filter}` contains a comma; DHIS2 2.42 splits filters on commas, use `in:[a,b]` or drop the comma"
            )));
        }
        Ok(())
    }

    /// The query-string pairs, with `default_fields` when no fields were chosen.
    pub(crate) fn to_pairs(&self, default_fields: &str) -> Vec<(&'static str, String)> {
        let mut pairs = vec![
            ("page", self.page.to_string()),
            ("pageSize", self.page_size.to_string()),
            (
                "fields",
                self.fields
                    .clone()
                    .unwrap_or_else(|| default_fields.to_string()),
            ),
        ];
        pairs.extend(self.filters.iter().map(|f| ("filter", f.to_string())));
        if !self.order.is_empty() {
            let order: Vec<String> = self.order.iter().map(Order::to_string).collect();
            pairs.push(("order", order.join(",")));
        }
        if self.any {
            pairs.push(("rootJunction", "OR".to_string()));
        }
        // DHIS2 2.44 serves a plain list with its Gist backend, which pages, sorts and matches
        // `like` its own way (dhis2-api.md §13.5); `gist=false` keeps the metadata engine, and
        // older releases ignore a parameter they do not bind. See ARCHITECTURE.md.
        pairs.push(("gist", "false".to_string()));
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_with_colons_in_values() {
        let filter = Filter::parse("url:eq:https://dhis2.org:8080/x").unwrap();
        assert_eq!(filter.operator, Operator::Eq);
        assert_eq!(filter.value.as_deref(), Some("https://dhis2.org:8080/x"));
        assert_eq!(filter.to_string(), "url:eq:https://dhis2.org:8080/x");
        assert_eq!(
            Filter::parse("name:!null").unwrap().to_string(),
            "name:!null"
        );
        assert_eq!(Filter::parse("id:in:[a,b]").unwrap().operator, Operator::In);
        assert_eq!(
            Filter::parse("name:startsWith:Mal").unwrap().operator,
            Operator::IStartsWith
        );
    }

    #[test]
    fn bad_filters_are_refused_with_a_reason() {
        for (text, expected) in [
            ("name", "Invalid filter"),
            ("name:contains:x", "is not a valid operator"),
            ("name:ilike", "needs a value"),
            ("name:ilike:", "needs a value"),
            ("name:null:x", "takes no value"),
            ("id:in:a,b", "in brackets"),
            (":eq:x", "Invalid filter"),
            ("na me:eq:x", "not a property path"),
        ] {
            let error = Filter::parse(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn query_pairs_carry_every_part() {
        let query = ListQuery::new()
            .filter(Filter::name_contains("malaria"))
            .order_by(Order::parse("lastUpdated:desc").unwrap())
            .page(3)
            .page_size(20);
        let pairs = query.to_pairs("id,name");
        assert!(pairs.contains(&("filter", "name:ilike:malaria".into())));
        assert!(pairs.contains(&("order", "lastUpdated:desc".into())));
        assert!(pairs.contains(&("page", "3".into())));
        assert!(pairs.contains(&("fields", "id,name".into())));
        assert!(pairs.contains(&("gist", "false".into())));
    }

    #[test]
    fn commas_outside_brackets_are_refused() {
        let query = ListQuery::new().filter(Filter::parse("name:eq:a,b").unwrap());
        assert!(query.validate().is_err());
        assert!(
            ListQuery::new()
                .filter(Filter::parse("id:in:[a,b]").unwrap())
                .validate()
                .is_ok()
        );
        assert!(ListQuery::new().page(0).validate().is_err());
    }
}
