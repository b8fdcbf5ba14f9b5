//! The one place a signature's indication is decided (ETSI EN 319 102-1 §5.1.3).
//!
//! A signature is `TOTAL-PASSED` only when every check its kind requires
//! ([`CheckId::required_for`]) was recorded as passed (or passed with a remark) and no
//! recorded check failed or was undecided. A required check that was never recorded is
//! added as `not-run`, and the signature is `INDETERMINATE`: a validation path that forgets
//! to record a check can never produce "valid".

use crate::report::{Check, CheckId, CheckStatus, Indication, SignatureReport, SubIndication};

/// Sets `indication` and `sub_indication` of `rep` from its checks; records every required
/// check that did not run.
pub(crate) fn conclude(rep: &mut SignatureReport) {
    let (indication, sub, missing) = decide(rep.kind, &rep.checks);
    rep.checks.extend(missing);
    rep.indication = indication;
    rep.sub_indication = sub;
}

/// The indication for `checks` of a signature of `kind`, and a `not-run` check for each
/// required one that is missing.
pub(crate) fn decide(
    kind: crate::report::SignatureKind,
    checks: &[Check],
) -> (Indication, Option<SubIndication>, Vec<Check>) {
    if let Some(c) = checks.iter().find(|c| c.status == CheckStatus::Failed) {
        return (Indication::TotalFailed, c.sub_indication, Vec::new());
    }
    if let Some(c) = checks
        .iter()
        .find(|c| c.status == CheckStatus::Indeterminate)
    {
        return (Indication::Indeterminate, c.sub_indication, Vec::new());
    }
    let missing: Vec<Check> = CheckId::required_for(kind)
        .iter()
        .filter(|id| {
            !checks.iter().any(|c| {
                c.id == **id && matches!(c.status, CheckStatus::Passed | CheckStatus::Warning)
            })
        })
        .map(|&id| Check {
            id,
            status: CheckStatus::NotRun,
            message: format!("required for a {} but not run", kind_words(kind)),
            sub_indication: None,
        })
        .collect();
    if missing.is_empty() {
        (Indication::TotalPassed, None, missing)
    } else {
        (Indication::Indeterminate, None, missing)
    }
}

fn kind_words(kind: crate::report::SignatureKind) -> &'static str {
    match kind {
        crate::report::SignatureKind::Approval => "signature",
        crate::report::SignatureKind::Certification => "certification signature",
        crate::report::SignatureKind::DocumentTimestamp => "document time-stamp",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::SignatureKind;

    fn passed(kind: SignatureKind) -> Vec<Check> {
        CheckId::required_for(kind)
            .iter()
            .map(|&id| Check {
                id,
                status: CheckStatus::Passed,
                message: "ok".into(),
                sub_indication: None,
            })
            .collect()
    }

    #[test]
    fn every_required_check_must_be_recorded() {
        for kind in [
            SignatureKind::Approval,
            SignatureKind::Certification,
            SignatureKind::DocumentTimestamp,
        ] {
            let all = passed(kind);
            assert_eq!(decide(kind, &all).0, Indication::TotalPassed);
            for skip in 0..all.len() {
                let mut some = all.clone();
                let gone = some.remove(skip);
                let (ind, _, missing) = decide(kind, &some);
                assert_eq!(ind, Indication::Indeterminate, "{kind:?} without {}", gone.id);
                assert_eq!(missing.len(), 1);
                assert_eq!(missing[0].id, gone.id);
                assert_eq!(missing[0].status, CheckStatus::NotRun);
            }
            assert_ne!(decide(kind, &[]).0, Indication::TotalPassed);
        }
    }

    #[test]
    fn failures_and_undecided_checks_win() {
        let mut checks = passed(SignatureKind::Approval);
        checks[3].status = CheckStatus::Indeterminate;
        checks[3].sub_indication = Some(SubIndication::TryLater);
        assert_eq!(
            decide(SignatureKind::Approval, &checks).0,
            Indication::Indeterminate
        );
        checks[5].status = CheckStatus::Failed;
        checks[5].sub_indication = Some(SubIndication::HashFailure);
        let (ind, sub, _) = decide(SignatureKind::Approval, &checks);
        assert_eq!((ind, sub), (Indication::TotalFailed, Some(SubIndication::HashFailure)));
        // A warning is a pass with a remark; not-run never is.
        let mut checks = passed(SignatureKind::Approval);
        checks[0].status = CheckStatus::Warning;
        assert_eq!(decide(SignatureKind::Approval, &checks).0, Indication::TotalPassed);
        checks[0].status = CheckStatus::NotRun;
        assert_eq!(decide(SignatureKind::Approval, &checks).0, Indication::Indeterminate);
    }
}
