//! A DHIS2 filter applied on this side, for the file resources pane before 2.41: there is no
//! server list to send it to, so the rows d2files knows are filtered here, with DHIS2's text
//! operators on the properties a row has.
use crate::api::{Filter, Operator};

/// The properties a known row can be filtered on.
pub const LOCAL_PROPERTIES: [&str; 4] = ["name", "id", "domain", "contentType"];

/// Whether a row matches. `value_of` gives a row's value of one of `LOCAL_PROPERTIES`
/// (`None` while it is not known). An operator or property that cannot be applied here is
/// an error in words for the filter prompt.
pub fn matches(filter: &Filter, value_of: impl Fn(&str) -> Option<String>) -> Result<bool, String> {
    if !LOCAL_PROPERTIES.contains(&filter.property.as_str()) {
        return Err(unsupported());
    }
    let value = value_of(&filter.property);
    let wanted = filter.value.clone().unwrap_or_default();
    let text = |case_blind: bool| {
        let fold = |s: &str| {
            if case_blind {
                s.to_lowercase()
            } else {
                s.to_string()
            }
        };
        value.as_deref().map(fold).map(|v| (v, fold(&wanted)))
    };
    let test = |case_blind: bool, test: fn(&str, &str) -> bool| {
        text(case_blind).is_some_and(|(value, wanted)| test(&value, &wanted))
    };
    use Operator::*;
    Ok(match filter.operator {
        Eq => test(false, |v, w| v == w),
        NotEq => !test(false, |v, w| v == w),
        Ieq => test(true, |v, w| v == w),
        Like => test(false, |v, w| v.contains(w)),
        NotLike => !test(false, |v, w| v.contains(w)),
        ILike => test(true, |v, w| v.contains(w)),
        NotILike => !test(true, |v, w| v.contains(w)),
        StartsWith => test(false, |v, w| v.starts_with(w)),
        NotStartsWith => !test(false, |v, w| v.starts_with(w)),
        IStartsWith => test(true, |v, w| v.starts_with(w)),
        NotIStartsWith => !test(true, |v, w| v.starts_with(w)),
        EndsWith => test(false, |v, w| v.ends_with(w)),
        NotEndsWith => !test(false, |v, w| v.ends_with(w)),
        IEndsWith => test(true, |v, w| v.ends_with(w)),
        NotIEndsWith => !test(true, |v, w| v.ends_with(w)),
        Null => value.is_none(),
        NotNull => value.is_some(),
        Empty | NotEmpty | Gt | Ge | Lt | Le | In | NotIn | Token | NotToken => {
            return Err(unsupported());
        }
    })
}

fn unsupported() -> String {
    format!(
        "before DHIS2 2.41 there is no file resource list to filter on the server; here \
         plain text searches names, and DHIS2 syntax works on {} with eq, ieq, like, ilike \
         and their $/! forms, null and !null",
        LOCAL_PROPERTIES.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(property: &str) -> Option<String> {
        match property {
            "name" => Some("Malaria annual report.pdf".into()),
            "domain" => Some("DOCUMENT".into()),
            _ => None,
        }
    }

    fn check(text: &str) -> Result<bool, String> {
        matches(&Filter::parse(text).unwrap(), row)
    }

    #[test]
    fn text_operators_apply_as_dhis2_means_them() {
        assert_eq!(check("name:ilike:ANNUAL"), Ok(true));
        assert_eq!(check("name:like:ANNUAL"), Ok(false));
        assert_eq!(check("name:$ilike:malaria"), Ok(true));
        assert_eq!(check("name:ilike$:.PDF"), Ok(true));
        assert_eq!(check("name:!ilike:annual"), Ok(false));
        assert_eq!(check("domain:eq:DOCUMENT"), Ok(true));
        assert_eq!(check("contentType:null"), Ok(true));
        assert_eq!(check("id:eq:Fa000000001"), Ok(false));
    }

    #[test]
    fn what_cannot_be_applied_here_says_what_can() {
        for text in [
            "created:gt:2025-01-01",
            "name:in:[a,b]",
            "name:token:report",
        ] {
            let error = check(text).unwrap_err();
            assert!(error.contains("before DHIS2 2.41"), "{text}: {error}");
        }
    }
}
