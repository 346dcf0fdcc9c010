//! Reading YAML that people edit (`decomposition.yaml`, event-storming workshops) with
//! errors that name the line and column.
//!
//! Typed reading goes through serde (`serde_norway`), whose syntax and type errors
//! carry a location; semantic checks done after it (an unknown context, a duplicate
//! name) look positions up by path in [`Positions`], built from `yaml-rust2`'s marked
//! parser events.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diagnostics::Diagnostic;

/// Line and column (1-based) of every node, by path: `contexts[2].name` is the value of
/// key `name` in the third item of `contexts`; `contexts[2].name#key` is the key itself.
#[derive(Debug, Default, Clone)]
pub struct Positions {
    map: HashMap<String, (u32, u32)>,
}

impl Positions {
    /// Position of the node at `path`, or of its nearest ancestor that has one.
    pub fn of(&self, path: &str) -> Option<(u32, u32)> {
        let mut p = path;
        loop {
            if let Some(&pos) = self.map.get(p) {
                return Some(pos);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }

    /// A diagnostic located at `path`.
    pub fn error(
        &self,
        file: &str,
        path: &str,
        code: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        let d = Diagnostic::error(code, message).file(file);
        match self.of(path) {
            Some((line, column)) => d.at(line, column),
            None => d,
        }
    }

    pub fn parse(text: &str) -> Positions {
        let mut recorder = Recorder::default();
        let mut parser = Parser::new_from_str(text);
        // A syntax error is reported by serde with its own location; keep what was read.
        let _ = parser.load(&mut recorder, false);
        recorder.positions
    }
}

enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, index: usize },
}

#[derive(Default)]
struct Recorder {
    stack: Vec<Frame>,
    positions: Positions,
}

impl Recorder {
    /// The path of the value that comes next, or `None` when a mapping key comes next.
    fn next_value_path(&self) -> Option<String> {
        match self.stack.last() {
            None => Some(String::new()),
            Some(Frame::Map { key: None, .. }) => None,
            Some(Frame::Map { path, key: Some(k) }) => Some(if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            }),
            Some(Frame::Seq { path, index }) => Some(format!("{path}[{index}]")),
        }
    }

    fn value_done(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::Map { key, .. }) => *key = None,
            Some(Frame::Seq { index, .. }) => *index += 1,
            None => {}
        }
    }

    fn record(&mut self, path: String, mark: Marker) {
        self.positions
            .map
            .entry(path)
            .or_insert((mark.line() as u32, mark.col() as u32 + 1));
    }
}

impl MarkedEventReceiver for Recorder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::Scalar(value, ..) => match self.next_value_path() {
                None => {
                    if let Some(Frame::Map { path, key }) = self.stack.last_mut() {
                        let key_path = if path.is_empty() {
                            value.clone()
                        } else {
                            format!("{path}.{value}")
                        };
                        *key = Some(value);
                        self.record(format!("{key_path}#key"), mark);
                    }
                }
                Some(path) => {
                    self.record(path, mark);
                    self.value_done();
                }
            },
            Event::Alias(_) => {
                if let Some(path) = self.next_value_path() {
                    self.record(path, mark);
                }
                self.value_done();
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let path = self.next_value_path().unwrap_or_default();
                self.record(path.clone(), mark);
                self.stack.push(match event {
                    Event::MappingStart(..) => Frame::Map { path, key: None },
                    _ => Frame::Seq { path, index: 0 },
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.value_done();
            }
            _ => {}
        }
    }
}

/// Reads `text` (from `file`) into `T`, returning the positions of its nodes too. A
/// syntax or type error becomes a diagnostic at its line and column.
pub fn load<T: DeserializeOwned>(file: &str, text: &str) -> Result<(T, Positions), Diagnostic> {
    match serde_norway::from_str::<T>(text) {
        Ok(value) => Ok((value, Positions::parse(text))),
        Err(e) => {
            let message = e.to_string();
            // serde appends " at line L column C"; the position is given separately.
            let message = match message.find(" at line ") {
                Some(i) => message[..i].to_owned(),
                None => message,
            };
            let d = Diagnostic::error("yaml", message).file(file);
            Err(match e.location() {
                Some(loc) => d.at(loc.line() as u32, loc.column() as u32),
                None => d,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "system: shop\ncontexts:\n  - name: orders\n    tables: [a, b]\n  - name: users\n    team: id\n";

    #[test]
    fn positions_by_path() {
        let p = Positions::parse(TEXT);
        assert_eq!(p.of("system"), Some((1, 9)));
        assert_eq!(p.of("contexts[0].name"), Some((3, 11)));
        assert_eq!(p.of("contexts[0].tables[1]"), Some((4, 17)));
        assert_eq!(p.of("contexts[1].team"), Some((6, 11)));
        assert_eq!(p.of("contexts[1].team#key"), Some((6, 5)));
        // Unknown paths fall back to the nearest known ancestor.
        assert_eq!(p.of("contexts[1].missing"), p.of("contexts[1]"));
    }

    #[test]
    fn type_errors_name_line_and_column() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Doc {
            system: String,
            contexts: Vec<Ctx>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Ctx {
            name: String,
            tables: Option<Vec<String>>,
        }
        let err = load::<Doc>("d.yaml", TEXT).unwrap_err();
        assert_eq!(err.file.as_deref(), Some("d.yaml"));
        assert_eq!(err.line, Some(6));
        assert!(
            err.message.contains("unknown field `team`"),
            "{}",
            err.message
        );
        let err = load::<Doc>("d.yaml", "system: [\n").unwrap_err();
        assert!(err.line.is_some());
    }
}
