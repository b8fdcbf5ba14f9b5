//! The PAdES baseline levels (ETSI EN 319 142-1): one definition for signing (the level to
//! reach), validation (the level a signature shows) and the procedure catalog (the level a
//! procedure requires).

use serde::{Deserialize, Serialize};

/// A PAdES baseline level, in increasing order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[non_exhaustive]
pub enum PadesLevel {
    /// B-B: the signature alone.
    #[default]
    #[serde(rename = "B-B")]
    BB,
    /// B-T: with a signature time-stamp.
    #[serde(rename = "B-T")]
    BT,
    /// B-LT: with the validation data in the DSS.
    #[serde(rename = "B-LT")]
    BLT,
    /// B-LTA: with a document time-stamp over the validation data.
    #[serde(rename = "B-LTA")]
    BLTA,
}

impl PadesLevel {
    /// Every level, lowest first.
    pub const ALL: [PadesLevel; 4] = [
        PadesLevel::BB,
        PadesLevel::BT,
        PadesLevel::BLT,
        PadesLevel::BLTA,
    ];

    /// The ETSI spelling (`B-LTA`).
    pub fn as_str(self) -> &'static str {
        match self {
            PadesLevel::BB => "B-B",
            PadesLevel::BT => "B-T",
            PadesLevel::BLT => "B-LT",
            PadesLevel::BLTA => "B-LTA",
        }
    }

    /// Parses `B-B`, `B-T`, `B-LT`, `B-LTA` (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        PadesLevel::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl std::fmt::Display for PadesLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip_and_order() {
        for l in PadesLevel::ALL {
            assert_eq!(PadesLevel::parse(l.as_str()), Some(l));
            assert_eq!(
                serde_json::to_string(&l).unwrap(),
                format!("\"{}\"", l.as_str())
            );
        }
        assert_eq!(PadesLevel::parse("b-lta"), Some(PadesLevel::BLTA));
        assert_eq!(PadesLevel::parse("B-X"), None);
        assert!(PadesLevel::BB < PadesLevel::BT && PadesLevel::BLT < PadesLevel::BLTA);
    }
}
