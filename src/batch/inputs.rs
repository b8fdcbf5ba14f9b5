//! Which files a batch works on: explicit files, directories (walked recursively, `*.pdf`),
//! and manifests (one path per line), optionally restricted to one shard.
//!
//! Inputs are produced as a stream ([`Inputs::iter`]): a directory is read one level at a
//! time and a manifest one line at a time, so memory does not grow with the number of files.
//! Order is deterministic: arguments in the order given; in a directory, its files in name
//! order, then its subdirectories in name order (depth first); manifest lines in file order.
//!
//! **Manifest format:** UTF-8 text, one path per line; blank lines and lines starting with
//! `#` are ignored; a trailing `\r` is dropped. Relative paths are relative to the current
//! directory (as with `tar -T` and `find … > list`). For batch signing a line may carry a
//! second, TAB-separated column: the output's path relative to `--out-dir`. `-` reads the
//! manifest from standard input.
//!
//! **Shards:** [`Shard`] `I/N` keeps the inputs whose path (as written in the manifest or
//! joined from the argument) hashes to `I` modulo `N` (64-bit FNV-1a). The choice depends on
//! the path alone, not on its position or on the other inputs, so every worker given the
//! same manifest and `--shard I/N` for `I` in `0..N` gets disjoint shares whose union is the
//! whole manifest, and a file stays in its shard when the manifest grows.

use std::collections::VecDeque;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// One input given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputSpec {
    /// A file or a directory.
    Path(PathBuf),
    /// A manifest file (`-` for standard input).
    Manifest(PathBuf),
}

/// A deterministic share `index` of `count` (`0 ≤ index < count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This worker's share, from 0.
    pub index: u64,
    /// Number of shares.
    pub count: u64,
}

impl Shard {
    /// Parses `I/N` (`0/4` … `3/4`).
    ///
    /// # Errors
    /// A message when the text is not `I/N` with `0 ≤ I < N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("--shard {text:?}: expected I/N, e.g. 0/4"))?;
        let index: u64 = i
            .trim()
            .parse()
            .map_err(|_| format!("--shard {text:?}: I is not a number"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("--shard {text:?}: N is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!(
                "--shard {text:?}: needs 0 ≤ I < N (shards are numbered from 0)"
            ));
        }
        Ok(Shard { index, count })
    }

    /// Whether `path` belongs to this shard.
    pub fn contains(&self, path: &Path) -> bool {
        fnv1a(path.as_os_str().as_encoded_bytes()) % self.count == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// One file to work on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Where to read it.
    pub path: PathBuf,
    /// Its name relative to the input it came from (the file name for explicit files and
    /// manifest lines, the path below the directory for directory walks, or the manifest's
    /// second column): where its output goes below an output directory.
    pub relative: PathBuf,
}

/// A problem finding inputs: a missing file or directory, an unreadable manifest.
#[derive(Debug)]
pub struct InputError {
    /// The path concerned.
    pub path: PathBuf,
    /// What went wrong.
    pub error: std::io::Error,
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.error)
    }
}

/// The inputs of a batch.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// What was given, in order.
    pub specs: Vec<InputSpec>,
    /// Keep only this shard.
    pub shard: Option<Shard>,
    /// A directory never to descend into (the output directory of a batch sign).
    pub exclude: Option<PathBuf>,
}

impl Inputs {
    /// The inputs, streamed. Errors (a missing path, an unreadable directory or manifest) are
    /// yielded in place and the walk goes on.
    pub fn iter(&self) -> InputIter<'_> {
        InputIter {
            inputs: self,
            next_spec: 0,
            exclude: self
                .exclude
                .as_ref()
                .and_then(|p| std::fs::canonicalize(p).ok()),
            dirs: VecDeque::new(),
            pending: VecDeque::new(),
            manifest: None,
        }
    }

    /// Counts the inputs (walks them once; for a progress bar). Errors count as inputs.
    pub fn count(&self) -> u64 {
        self.iter().count() as u64
    }
}

type ManifestReader = Box<dyn BufRead + Send>;

/// The iterator of [`Inputs::iter`].
pub struct InputIter<'a> {
    inputs: &'a Inputs,
    next_spec: usize,
    exclude: Option<PathBuf>,
    /// Directories still to read: (directory, its path relative to the walk's root).
    dirs: VecDeque<(PathBuf, PathBuf)>,
    /// Results of the directory read last, in order.
    pending: VecDeque<Result<Item, InputError>>,
    manifest: Option<(PathBuf, ManifestReader)>,
}

impl InputIter<'_> {
    fn keep(&self, path: &Path) -> bool {
        self.inputs.shard.is_none_or(|s| s.contains(path))
    }

    /// Reads one directory: files matching go to `pending`, subdirectories to the front of
    /// `dirs` (depth first, in name order).
    fn read_dir(&mut self, dir: PathBuf, rel: PathBuf) {
        if let Some(ex) = &self.exclude {
            if std::fs::canonicalize(&dir).is_ok_and(|c| &c == ex) {
                return;
            }
        }
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(error) => {
                self.pending.push_back(Err(InputError { path: dir, error }));
                return;
            }
        };
        let mut names: Vec<(std::ffi::OsString, bool)> = Vec::new();
        for e in entries {
            match e {
                Ok(e) => {
                    let name = e.file_name();
                    if name.as_encoded_bytes().first() == Some(&b'.') {
                        continue; // hidden files, and our own temporary files
                    }
                    // Follow symbolic links to files, not to directories (no cycles).
                    let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                    names.push((name, is_dir));
                }
                Err(error) => self.pending.push_back(Err(InputError {
                    path: dir.clone(),
                    error,
                })),
            }
        }
        names.sort();
        let mut subdirs = Vec::new();
        for (name, is_dir) in names {
            let path = dir.join(&name);
            let relative = rel.join(&name);
            if is_dir {
                subdirs.push((path, relative));
            } else if is_pdf(&path) && self.keep(&path) {
                self.pending.push_back(Ok(Item { path, relative }));
            }
        }
        for d in subdirs.into_iter().rev() {
            self.dirs.push_front(d);
        }
    }

    fn next_manifest_line(&mut self) -> Option<Result<Item, InputError>> {
        loop {
            let (mpath, reader) = self.manifest.as_mut()?;
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) => {
                    self.manifest = None;
                    return None;
                }
                Ok(_) => {}
                Err(error) => {
                    let path = mpath.clone();
                    self.manifest = None;
                    return Some(Err(InputError { path, error }));
                }
            }
            let line = line.trim_end_matches(['\n', '\r']);
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (input, output) = match line.split_once('\t') {
                Some((i, o)) if !o.trim().is_empty() => (i, Some(o.trim())),
                Some((i, _)) => (i, None),
                None => (line, None),
            };
            let path = PathBuf::from(input);
            if !self.keep(&path) {
                continue;
            }
            let relative = match output {
                Some(o) => PathBuf::from(o),
                None => path.file_name().map(PathBuf::from).unwrap_or_default(),
            };
            return Some(Ok(Item { path, relative }));
        }
    }
}

impl Iterator for InputIter<'_> {
    type Item = Result<Item, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = self.pending.pop_front() {
                return Some(r);
            }
            if let Some((dir, rel)) = self.dirs.pop_front() {
                self.read_dir(dir, rel);
                continue;
            }
            if self.manifest.is_some() {
                match self.next_manifest_line() {
                    Some(r) => return Some(r),
                    None => continue,
                }
            }
            let spec = self.inputs.specs.get(self.next_spec)?;
            self.next_spec += 1;
            match spec {
                InputSpec::Manifest(m) => {
                    let reader: std::io::Result<ManifestReader> = if m.as_os_str() == "-" {
                        Ok(Box::new(std::io::BufReader::new(std::io::stdin())))
                    } else {
                        std::fs::File::open(m)
                            .map(|f| Box::new(std::io::BufReader::new(f)) as ManifestReader)
                    };
                    match reader {
                        Ok(r) => self.manifest = Some((m.clone(), r)),
                        Err(error) => {
                            return Some(Err(InputError {
                                path: m.clone(),
                                error,
                            }))
                        }
                    }
                }
                InputSpec::Path(p) => match std::fs::metadata(p) {
                    Ok(md) if md.is_dir() => self.dirs.push_back((p.clone(), PathBuf::new())),
                    Ok(_) => {
                        if self.keep(p) {
                            let relative = p.file_name().map(PathBuf::from).unwrap_or_default();
                            return Some(Ok(Item {
                                path: p.clone(),
                                relative,
                            }));
                        }
                    }
                    Err(error) => {
                        if self.keep(p) {
                            return Some(Err(InputError {
                                path: p.clone(),
                                error,
                            }));
                        }
                    }
                },
            }
        }
    }
}

/// Whether a path names a PDF by its extension (case-insensitive).
pub(crate) fn is_pdf(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(inputs: &Inputs) -> Vec<PathBuf> {
        inputs.iter().map(|r| r.unwrap().path).collect()
    }

    #[test]
    fn walks_directories_in_order_and_skips_hidden_and_other_files() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::create_dir_all(root.join("b/c")).unwrap();
        for f in [
            "a.pdf",
            "b/x.PDF",
            "b/c/y.pdf",
            "z.pdf",
            ".tmp.pdf",
            "notes.txt",
        ] {
            std::fs::write(root.join(f), b"x").unwrap();
        }
        let inputs = Inputs {
            specs: vec![InputSpec::Path(root.to_path_buf())],
            ..Default::default()
        };
        let items: Vec<Item> = inputs.iter().map(Result::unwrap).collect();
        let rel: Vec<_> = items.iter().map(|i| i.relative.clone()).collect();
        assert_eq!(
            rel,
            vec![
                PathBuf::from("a.pdf"),
                PathBuf::from("z.pdf"),
                PathBuf::from("b/x.PDF"),
                PathBuf::from("b/c/y.pdf")
            ]
        );
        assert_eq!(inputs.count(), 4);
        // Excluding a directory.
        let inputs = Inputs {
            exclude: Some(root.join("b")),
            ..inputs
        };
        assert_eq!(inputs.count(), 2);
    }

    #[test]
    fn manifests_and_shards() {
        let d = tempfile::tempdir().unwrap();
        let m = d.path().join("list.txt");
        let lines: Vec<String> = (0..200).map(|i| format!("dir/doc-{i}.pdf")).collect();
        std::fs::write(
            &m,
            format!("# comment\n\n{}\r\nx.pdf\tout/y.pdf\n", lines.join("\n")),
        )
        .unwrap();
        let all = Inputs {
            specs: vec![InputSpec::Manifest(m.clone())],
            ..Default::default()
        };
        let items: Vec<Item> = all.iter().map(Result::unwrap).collect();
        assert_eq!(items.len(), 201);
        assert_eq!(items[0].relative, PathBuf::from("doc-0.pdf"));
        assert_eq!(items[200].path, PathBuf::from("x.pdf"));
        assert_eq!(items[200].relative, PathBuf::from("out/y.pdf"));
        let mut union = Vec::new();
        for i in 0..3 {
            let s = Inputs {
                shard: Some(Shard::parse(&format!("{i}/3")).unwrap()),
                ..all.clone()
            };
            let part = collect(&s);
            assert!(part.len() > 40, "{}", part.len());
            assert_eq!(part, collect(&s), "deterministic");
            union.extend(part);
        }
        union.sort();
        let mut expected = collect(&all);
        expected.sort();
        assert_eq!(union, expected);
    }

    #[test]
    fn missing_inputs_are_reported_in_place() {
        let inputs = Inputs {
            specs: vec![
                InputSpec::Path("/nonexistent/a.pdf".into()),
                InputSpec::Manifest("/nonexistent/list".into()),
            ],
            ..Default::default()
        };
        let r: Vec<_> = inputs.iter().collect();
        assert_eq!(r.len(), 2);
        assert!(r.iter().all(Result::is_err));
    }

    #[test]
    fn shard_syntax() {
        assert_eq!(Shard::parse("1/4").unwrap(), Shard { index: 1, count: 4 });
        assert!(Shard::parse("4/4").is_err());
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("1").is_err());
        assert!(Shard::parse("a/2").is_err());
    }
}
