//! `kyso catalog`: import the national procedure data, validate, list and show a catalog.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use kyso::policy::{
    import_catalog, Catalog, ImportInput, ImportSources, Mode, Procedure, MAX_IMPORT_INPUT,
};

use crate::{Fatal, Format};

#[derive(Args)]
pub(crate) struct CatalogArgs {
    #[command(subcommand)]
    command: CatalogCommand,
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Import the National Public Service Portal's data (the catalog CSV, the detailed JSON
    /// Lines) and a provincial overlay (TOML) into a catalog file.
    Import {
        /// The national catalog (CSV: code,name,type,state,promulgating_authority,…).
        #[arg(long, value_name = "CSV")]
        national: Option<PathBuf>,
        /// The detailed procedures (JSON Lines: is_full_process, submission_methods,
        /// components…).
        #[arg(long, value_name = "JSONL")]
        details: Option<PathBuf>,
        /// The province's overlay: no-paper decisions, agency renames, result rules
        /// (docs/catalog.md).
        #[arg(long, value_name = "TOML")]
        overlay: Option<PathBuf>,
        /// Where to write the catalog (TOML).
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// Replace the output file if it exists.
        #[arg(long)]
        force: bool,
        /// Summary format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Load a catalog and report its errors and warnings (exit 0: usable, 2: not).
    Validate {
        /// The catalog (TOML).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// List a catalog's procedures.
    List {
        /// Catalog (TOML). Default: the bundled example catalog.
        #[arg(long, value_name = "FILE")]
        catalog: Option<PathBuf>,
        /// Only procedures of this mode.
        #[arg(long, value_enum)]
        mode: Option<ModeArg>,
        /// Only procedures that accept no paper.
        #[arg(long)]
        no_paper: bool,
        /// Only procedures whose code or name contains this text (case-insensitive).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Output format (JSON: one array of procedures).
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Show one procedure: mode, paper, components with their national codes, results, rules.
    Show {
        /// The procedure code (a provincial code `X.Hnn` finds the national `X`).
        code: String,
        /// Catalog (TOML). Default: the bundled example catalog.
        #[arg(long, value_name = "FILE")]
        catalog: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    /// Fully online (toàn trình).
    ToanTrinh,
    /// Partly online (một phần).
    MotPhan,
    /// The catalog does not say.
    Unstated,
}

fn read_text(path: &Path) -> Result<String, Fatal> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Fatal(format!("cannot read {}: {e}", path.display())))?;
    if meta.len() > MAX_IMPORT_INPUT as u64 {
        return Err(Fatal(format!(
            "{}: larger than {} MiB",
            path.display(),
            MAX_IMPORT_INPUT >> 20
        )));
    }
    let bytes =
        std::fs::read(path).map_err(|e| Fatal(format!("cannot read {}: {e}", path.display())))?;
    String::from_utf8(bytes).map_err(|e| {
        Fatal(format!(
            "{}: not UTF-8 text (byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

fn load(catalog: Option<&Path>) -> Result<Catalog, Fatal> {
    Ok(match catalog {
        Some(p) => Catalog::from_path(p)?,
        None => Catalog::example()?,
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn out(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}

pub(crate) fn run(a: CatalogArgs) -> Result<ExitCode, Fatal> {
    match a.command {
        CatalogCommand::Import {
            national,
            details,
            overlay,
            output,
            force,
            format,
        } => {
            for input in [&national, &details, &overlay].into_iter().flatten() {
                if same_file(input, &output) {
                    return Err(Fatal(format!(
                        "the output {} is one of the inputs: choose another file",
                        output.display()
                    )));
                }
            }
            if national.is_none() && details.is_none() {
                return Err(Fatal(
                    "give --national CSV, --details JSONL or both".to_string(),
                ));
            }
            let texts: Vec<Option<(String, String)>> = [&national, &details, &overlay]
                .into_iter()
                .map(|p| {
                    p.as_ref()
                        .map(|p| Ok::<_, Fatal>((p.display().to_string(), read_text(p)?)))
                        .transpose()
                })
                .collect::<Result<_, _>>()?;
            let input = |i: usize| {
                texts[i].as_ref().map(|(name, text)| ImportInput {
                    name: name.as_str(),
                    text: text.as_str(),
                })
            };
            let imported = import_catalog(&ImportSources {
                national: input(0),
                details: input(1),
                overlay: input(2),
            })?;
            kyso::write_atomic(&output, imported.toml.as_bytes(), force)?;
            match format {
                Format::Json => {
                    let v = serde_json::json!({
                        "output": output.display().to_string(),
                        "stats": imported.stats,
                        "warnings": imported.warnings,
                    });
                    out(&(serde_json::to_string_pretty(&v)? + "\n"));
                }
                Format::Text => {
                    let s = &imported.stats;
                    let mut t = format!(
                        "wrote {}: {} procedure(s) ({} from the national catalog, {} detailed: {} toàn trình, {} online only), {} accept paper, {} under a no-paper decision, {} component(s), {} result document(s), {} with result rules\n",
                        output.display(),
                        s.procedures,
                        s.national,
                        s.detailed,
                        s.full_process,
                        s.online_only,
                        s.paper_accepted,
                        s.no_paper,
                        s.components,
                        s.result_documents,
                        s.with_result_rules
                    );
                    if !imported.warnings.is_empty() {
                        t.push_str(&format!("{} warning(s):\n", imported.warnings.len()));
                        for w in &imported.warnings {
                            t.push_str(&format!("  warning: {w}\n"));
                        }
                    }
                    out(&t);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Validate { file, format } => {
            let loaded = Catalog::from_path(&file);
            match format {
                Format::Json => {
                    let v = match &loaded {
                        Ok(c) => serde_json::json!({
                            "valid": true,
                            "procedures": c.procedures.len(),
                            "example": c.example,
                            "warnings": c.warnings,
                        }),
                        Err(e) => serde_json::json!({
                            "valid": false,
                            "error": {
                                "kind": format!("{:?}", e.kind),
                                "line": e.line,
                                "column": e.column,
                                "field": e.field,
                                "reason": e.reason,
                                "message": e.to_string(),
                            },
                        }),
                    };
                    out(&(serde_json::to_string_pretty(&v)? + "\n"));
                }
                Format::Text => match &loaded {
                    Ok(c) => {
                        let mut t = format!(
                            "{}: valid catalog, {} procedure(s){}\n",
                            file.display(),
                            c.procedures.len(),
                            if c.example {
                                " (an example catalog)"
                            } else {
                                ""
                            }
                        );
                        for w in &c.warnings {
                            t.push_str(&format!("  warning: {w}\n"));
                        }
                        out(&t);
                    }
                    Err(e) => {
                        let _ = writeln!(std::io::stderr(), "kyso: {e}");
                    }
                },
            }
            Ok(if loaded.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        CatalogCommand::List {
            catalog,
            mode,
            no_paper,
            search,
            format,
        } => {
            let c = load(catalog.as_deref())?;
            let needle = search.map(|s| s.to_lowercase());
            let chosen: Vec<&Procedure> = c
                .procedures
                .iter()
                .filter(|p| match mode {
                    None => true,
                    Some(ModeArg::ToanTrinh) => p.mode == Some(Mode::ToanTrinh),
                    Some(ModeArg::MotPhan) => p.mode == Some(Mode::MotPhan),
                    Some(ModeArg::Unstated) => p.mode.is_none(),
                })
                .filter(|p| !no_paper || !p.paper_accepted)
                .filter(|p| {
                    needle.as_ref().is_none_or(|n| {
                        p.code.to_lowercase().contains(n) || p.name.to_lowercase().contains(n)
                    })
                })
                .collect();
            match format {
                Format::Json => out(&(serde_json::to_string_pretty(&chosen)? + "\n")),
                Format::Text => {
                    let mut t = String::new();
                    for p in &chosen {
                        t.push_str(&format!(
                            "{}\t{}\t{}\t{}\n",
                            p.code,
                            p.mode.map_or("-", Mode::as_str),
                            if p.paper_accepted {
                                "paper"
                            } else {
                                "no-paper"
                            },
                            p.name
                        ));
                    }
                    out(&t);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Show {
            code,
            catalog,
            format,
        } => {
            let c = load(catalog.as_deref())?;
            let Some(p) = c.procedure(&code) else {
                return Err(Fatal(format!(
                    "procedure {code} is not in the catalog {:?}",
                    c.title
                )));
            };
            match format {
                Format::Json => out(&(serde_json::to_string_pretty(p)? + "\n")),
                Format::Text => out(&show_text(p)),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn show_text(p: &Procedure) -> String {
    let mut t = format!("{} — {}\n", p.code, p.name);
    if !p.agency.is_empty() {
        t.push_str(&format!("  agency: {}\n", p.agency));
    }
    t.push_str(&format!(
        "  mode: {}\n",
        match p.mode {
            Some(Mode::ToanTrinh) => "toan-trinh (fully online)",
            Some(Mode::MotPhan) => "mot-phan (partly online)",
            None => "not stated",
        }
    ));
    if !p.submission_methods.is_empty() {
        let m: Vec<&str> = p.submission_methods.iter().map(|m| m.as_str()).collect();
        t.push_str(&format!("  submission: {}\n", m.join(", ")));
    }
    t.push_str(&format!(
        "  paper accepted: {}{}\n",
        if p.paper_accepted { "yes" } else { "no" },
        p.no_paper
            .as_ref()
            .map(|d| format!(
                " (decision {}{})",
                d.decision,
                d.date
                    .as_deref()
                    .map(|x| format!(" of {x}"))
                    .unwrap_or_default()
            ))
            .unwrap_or_default()
    ));
    if let Some(n) = &p.national {
        for (k, v) in [
            ("type", &n.kind),
            ("state", &n.state),
            ("authority", &n.authority),
            ("announced by", &n.decision),
        ] {
            if let Some(v) = v {
                t.push_str(&format!("  {k}: {v}\n"));
            }
        }
        for r in &n.results {
            t.push_str(&format!(
                "  result: {}{}\n",
                r.code
                    .as_deref()
                    .map(|c| format!("{c} "))
                    .unwrap_or_default(),
                r.name
            ));
        }
    }
    for c in &p.components {
        t.push_str(&format!(
            "  component {}{}: {}{}{}\n",
            c.id,
            if c.required { " (required)" } else { "" },
            c.name,
            if c.electronic_form { " [e-form]" } else { "" },
            if c.signed { "" } else { " [unsigned]" },
        ));
    }
    if let Some(r) = &p.result {
        let s: Vec<&str> = r
            .signatures
            .iter()
            .map(|s| match s {
                kyso::policy::RequiredSignature::Official => "official",
                kyso::policy::RequiredSignature::Agency => "agency",
            })
            .collect();
        t.push_str(&format!(
            "  result rules: signatures {}; trust {}\n",
            s.join(" then "),
            r.trust_profiles.join(", ")
        ));
    }
    t
}
