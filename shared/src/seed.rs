//! The demo catalogue shipped with the code and its idempotent loader.

use crate::domain::catalogue::Catalogue;

/// The catalogue file, compiled in so that every function binary can seed a fresh store.
pub const CATALOGUE_JSON: &str = include_str!("../seed/catalogue.json");

/// Parses the shipped catalogue.
pub fn shipped_catalogue() -> Catalogue {
    serde_json::from_str(CATALOGUE_JSON).expect("shared/seed/catalogue.json is checked by tests")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_catalogue_parses_and_is_consistent() {
        let catalogue: Catalogue = serde_json::from_str(CATALOGUE_JSON)
            .unwrap_or_else(|e| panic!("shared/seed/catalogue.json does not parse: {e}"));
        if let Err(errors) = catalogue.validate() {
            panic!("catalogue is inconsistent:\n{errors:#?}");
        }
    }

    #[test]
    fn shipped_catalogue_is_big_enough_for_the_demo() {
        let c = shipped_catalogue();
        assert!(c.departments.len() >= 5, "at least 5 departments");
        assert!(c.items.len() >= 12, "at least 12 licensing items");
        assert!(c.policies.len() >= 6, "at least 6 policies");
        for kind in crate::domain::catalogue::PolicyKind::ALL {
            assert!(c.policies.iter().any(|p| p.kind == kind), "a policy of kind {kind:?}");
        }
    }
}
