//! Content streams (ISO 32000-1 §7.8.2, §8.4, §9.3): one tolerant lexer and one interpreter
//! of the graphics and text state, shared by everything in kyso that reads what a page
//! draws — the page-text extraction of `appearance` (anchors, the overlap check of visible
//! signatures) and the overlay check of `diff` (what a page or an appearance paints where).
//!
//! [`State::apply`] carries out the operators that only change state (`q` `Q` `cm`, `BT`,
//! `Tc` `Tw` `Tz` `TL` `Ts` `Tr` `Tf`, `Td` `TD` `Tm` `T*`, and the line move and spacing
//! of `'` and `"`); each client handles the operators that draw (text shown, paths
//! painted, XObjects) with the state at that point: [`State::text_matrix`] for a glyph's
//! placement, [`State::advance`] to move past it. The lexer is bounded (nesting, array
//! sizes) and never panics on any byte string (property-tested).

/// An affine matrix `[a b c d e f]` (PDF row-vector convention: p' = p × M).
pub(crate) type Matrix = [f64; 6];
/// The identity matrix.
pub(crate) const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `m` then `n` (p × m × n).
pub(crate) fn mul(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

/// The point `(x, y)` through `m`.
pub(crate) fn apply(m: &Matrix, x: f64, y: f64) -> (f64, f64) {
    (x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5])
}

/// The bounding box of the rectangle `r` (`[x0 y0 x1 y1]`) through `m`.
pub(crate) fn bbox_of(m: &Matrix, r: &[f64; 4]) -> [f64; 4] {
    let pts = [
        apply(m, r[0], r[1]),
        apply(m, r[2], r[1]),
        apply(m, r[0], r[3]),
        apply(m, r[2], r[3]),
    ];
    let mut out = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for (x, y) in pts {
        out[0] = out[0].min(x);
        out[1] = out[1].min(y);
        out[2] = out[2].max(x);
        out[3] = out[3].max(y);
    }
    out
}

/// The text state parameters (ISO 32000-1 §9.3), part of the graphics state. `F` is what
/// the client makes of a font (`()` when only sizes matter).
#[derive(Debug, Clone)]
pub(crate) struct TextState<F> {
    /// Character spacing (`Tc`).
    pub tc: f64,
    /// Word spacing (`Tw`), applied to single-byte code 32.
    pub tw: f64,
    /// Horizontal scaling (`Tz`), as a factor.
    pub th: f64,
    /// Leading (`TL`).
    pub tl: f64,
    /// Text rise (`Ts`).
    pub ts: f64,
    /// Rendering mode (`Tr`); 3 is invisible.
    pub tr: i64,
    /// Font size (`Tf`).
    pub size: f64,
    /// The font (`Tf`), as the client loaded it.
    pub font: Option<F>,
}

/// Graphics states saved at most (deeper `q` are counted and their `Q` ignored).
const MAX_SAVED: usize = 256;

/// The graphics state that placement depends on: the CTM, the text state, the text and
/// text-line matrices, and the `q`/`Q` stack.
#[derive(Debug, Clone)]
pub(crate) struct State<F> {
    /// Current transformation matrix.
    pub ctm: Matrix,
    /// Text state.
    pub text: TextState<F>,
    /// Text matrix and text line matrix (reset by `BT`).
    pub tm: Matrix,
    pub tlm: Matrix,
    saved: Vec<(Matrix, TextState<F>)>,
    unsaved: usize,
}

impl<F: Clone> State<F> {
    /// The initial state with `ctm` (a form XObject's matrix times its caller's CTM).
    pub(crate) fn new(ctm: Matrix) -> Self {
        State {
            ctm,
            text: TextState {
                tc: 0.0,
                tw: 0.0,
                th: 1.0,
                tl: 0.0,
                ts: 0.0,
                tr: 0,
                size: 0.0,
                font: None,
            },
            tm: IDENTITY,
            tlm: IDENTITY,
            saved: Vec::new(),
            unsaved: 0,
        }
    }

    /// Carries out `op` if it changes only the state; `true` if it did (or was one of them
    /// with unusable operands). For `'` and `"` it makes the line move and sets the spacing,
    /// and returns `false`: the client then shows the string (the last operand). `font`
    /// loads the font a `Tf` names. Operands are taken from the end, so stray operands in
    /// front of an operator are ignored.
    pub(crate) fn apply(
        &mut self,
        op: &[u8],
        operands: &[Operand],
        font: &mut dyn FnMut(&[u8]) -> Option<F>,
    ) -> bool {
        let n = operands.len();
        // The i-th of the last k operands, as a number (0 when not a number).
        let arg = |k: usize, i: usize| {
            n.checked_sub(k)
                .and_then(|start| operands.get(start + i))
                .and_then(Operand::num)
                .unwrap_or(0.0)
        };
        let six = || -> Option<Matrix> {
            (n >= 6).then(|| {
                [
                    arg(6, 0),
                    arg(6, 1),
                    arg(6, 2),
                    arg(6, 3),
                    arg(6, 4),
                    arg(6, 5),
                ]
            })
        };
        match op {
            b"q" => {
                if self.saved.len() < MAX_SAVED {
                    self.saved.push((self.ctm, self.text.clone()));
                } else {
                    self.unsaved += 1;
                }
            }
            b"Q" => {
                if self.unsaved > 0 {
                    self.unsaved -= 1;
                } else if let Some((ctm, text)) = self.saved.pop() {
                    self.ctm = ctm;
                    self.text = text;
                }
            }
            b"cm" => {
                if let Some(m) = six() {
                    self.ctm = mul(&m, &self.ctm);
                }
            }
            b"BT" => {
                self.tm = IDENTITY;
                self.tlm = IDENTITY;
            }
            b"Tc" if n >= 1 => self.text.tc = arg(1, 0),
            b"Tw" if n >= 1 => self.text.tw = arg(1, 0),
            b"Tz" if n >= 1 => self.text.th = arg(1, 0) / 100.0,
            b"TL" if n >= 1 => self.text.tl = arg(1, 0),
            b"Ts" if n >= 1 => self.text.ts = arg(1, 0),
            b"Tr" if n >= 1 => self.text.tr = arg(1, 0) as i64,
            b"Tf" if n >= 2 => {
                self.text.size = arg(2, 1);
                self.text.font = operands[n - 2].name().and_then(font);
            }
            b"Td" | b"TD" if n >= 2 => {
                let (tx, ty) = (arg(2, 0), arg(2, 1));
                if op == b"TD" {
                    self.text.tl = -ty;
                }
                self.tlm = mul(&[1.0, 0.0, 0.0, 1.0, tx, ty], &self.tlm);
                self.tm = self.tlm;
            }
            b"Tm" => {
                if let Some(m) = six() {
                    self.tlm = m;
                    self.tm = m;
                }
            }
            b"T*" => self.next_line(),
            b"'" => {
                self.next_line();
                return false;
            }
            b"\"" => {
                if n >= 3 {
                    self.text.tw = arg(3, 0);
                    self.text.tc = arg(3, 1);
                }
                self.next_line();
                return false;
            }
            b"Tc" | b"Tw" | b"Tz" | b"TL" | b"Ts" | b"Tr" | b"Tf" | b"Td" | b"TD" => {}
            _ => return false,
        }
        true
    }

    fn next_line(&mut self) {
        self.tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -self.text.tl], &self.tlm);
        self.tm = self.tlm;
    }

    /// Text space to user space for a glyph at the current point: the text rendering
    /// matrix of ISO 32000-1 §9.4.4 (size, horizontal scaling, rise, text matrix, CTM).
    pub(crate) fn text_matrix(&self) -> Matrix {
        let t = &self.text;
        mul(
            &mul(&[t.size * t.th, 0.0, 0.0, t.size, 0.0, t.ts], &self.tm),
            &self.ctm,
        )
    }

    /// Moves the text matrix by `tx` text-space units (already scaled horizontally).
    pub(crate) fn advance(&mut self, tx: f64) {
        self.tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &self.tm);
    }
}

/// A content-stream operand.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    Num(f64),
    Name(Vec<u8>),
    Str(Vec<u8>),
    Array(Vec<Operand>),
    Other,
}

impl Operand {
    pub(crate) fn num(&self) -> Option<f64> {
        match self {
            Operand::Num(n) => Some(*n),
            _ => None,
        }
    }
    pub(crate) fn name(&self) -> Option<&[u8]> {
        match self {
            Operand::Name(n) => Some(n),
            _ => None,
        }
    }
}

/// What the lexer reads next.
pub(crate) enum Item {
    /// An operand.
    Operand(Operand),
    /// An operator.
    Op(Vec<u8>),
    /// An inline image (`BI … ID … EI`), skipped.
    InlineImage,
}

/// A tolerant lexer for content streams and CMaps (PostScript-like syntax).
pub(crate) struct Lexer<'a> {
    b: &'a [u8],
    pos: usize,
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delim(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Self {
        Lexer { b, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if is_ws(c) {
                self.pos += 1;
            } else if c == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// The next operand or operator; `None` at the end.
    pub(crate) fn next_operand_or_op(&mut self) -> Option<Item> {
        loop {
            self.skip_ws();
            let c = self.peek()?;
            match c {
                b']' | b'>' | b')' | b'}' | b'{' => {
                    self.pos += 1; // stray closer or PostScript braces: skip
                    continue;
                }
                _ => {}
            }
            if let Some(o) = self.operand(0) {
                return Some(Item::Operand(o));
            }
            // A keyword.
            let start = self.pos;
            while let Some(c) = self.peek() {
                if is_ws(c) || is_delim(c) {
                    break;
                }
                self.pos += 1;
            }
            if self.pos == start {
                self.pos += 1;
                continue;
            }
            let word = self.b[start..self.pos].to_vec();
            match word.as_slice() {
                b"true" | b"false" | b"null" => return Some(Item::Operand(Operand::Other)),
                b"BI" => {
                    self.skip_inline_image();
                    return Some(Item::InlineImage);
                }
                _ => return Some(Item::Op(word)),
            }
        }
    }

    /// Skips `BI … ID <data> EI`.
    fn skip_inline_image(&mut self) {
        let rest = &self.b[self.pos..];
        let Some(id) = find_keyword(rest, b"ID") else {
            self.pos = self.b.len();
            return;
        };
        let data_start = id + 3;
        let Some(tail) = rest.get(data_start..) else {
            self.pos = self.b.len();
            return;
        };
        match find_keyword(tail, b"EI") {
            Some(ei) => self.pos += data_start + ei + 2,
            None => self.pos = self.b.len(),
        }
    }

    /// An operand at the current position, or `None` (position unchanged) for a keyword.
    fn operand(&mut self, depth: usize) -> Option<Operand> {
        self.skip_ws();
        let c = self.peek()?;
        match c {
            b'/' => {
                self.pos += 1;
                let start = self.pos;
                while let Some(c) = self.peek() {
                    if is_ws(c) || is_delim(c) {
                        break;
                    }
                    self.pos += 1;
                }
                Some(Operand::Name(decode_name(&self.b[start..self.pos])))
            }
            b'(' => Some(Operand::Str(self.literal())),
            b'<' if self.b.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                self.skip_dict(depth);
                Some(Operand::Other)
            }
            b'<' => Some(Operand::Str(self.hex())),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        None => break,
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        _ => {}
                    }
                    if depth > 32 {
                        self.pos += 1;
                        continue;
                    }
                    match self.operand(depth + 1) {
                        Some(o) => {
                            if items.len() < 100_000 {
                                items.push(o);
                            }
                        }
                        None => {
                            // A keyword inside an array (malformed): skip it.
                            while let Some(c) = self.peek() {
                                if is_ws(c) || is_delim(c) {
                                    break;
                                }
                                self.pos += 1;
                            }
                            if matches!(self.peek(), Some(b')' | b'>' | b'}' | b'{')) {
                                self.pos += 1;
                            }
                        }
                    }
                }
                Some(Operand::Array(items))
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => {
                let start = self.pos;
                self.pos += 1;
                while let Some(c) = self.peek() {
                    if c.is_ascii_digit() || c == b'.' || c == b'-' || c == b'+' {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                let text = std::str::from_utf8(&self.b[start..self.pos]).unwrap_or("0");
                Some(Operand::Num(text.parse::<f64>().unwrap_or_else(|_| {
                    // PDF tolerates forms like "--5" or "5-"; keep what parses.
                    text.trim_start_matches(['+', '-'])
                        .split(['+', '-'])
                        .next()
                        .and_then(|t| t.parse().ok())
                        .unwrap_or(0.0)
                })))
            }
            _ => None,
        }
    }

    fn skip_dict(&mut self, depth: usize) {
        loop {
            self.skip_ws();
            match self.peek() {
                None => return,
                Some(b'>') if self.b.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    return;
                }
                _ => {}
            }
            if depth > 32 {
                self.pos += 1;
                continue;
            }
            if self.operand(depth + 1).is_none() {
                self.pos += 1;
            }
        }
    }

    fn literal(&mut self) -> Vec<u8> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut level = 1usize;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                b'(' => {
                    level += 1;
                    out.push(c);
                }
                b')' => {
                    level -= 1;
                    if level == 0 {
                        break;
                    }
                    out.push(c);
                }
                b'\\' => {
                    let Some(e) = self.peek() else { break };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xFF) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(c),
            }
        }
        out
    }

    fn hex(&mut self) -> Vec<u8> {
        self.pos += 1;
        let mut digits = Vec::new();
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == b'>' {
                break;
            }
            if let Some(d) = (c as char).to_digit(16) {
                digits.push(d as u8);
            }
        }
        if digits.len() % 2 == 1 {
            digits.push(0);
        }
        digits.chunks(2).map(|p| (p[0] << 4) | p[1]).collect()
    }
}

/// The offset of a keyword delimited by whitespace (or the start/end) in `hay`.
fn find_keyword(hay: &[u8], kw: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&hay[from..], kw) {
        let at = from + i;
        let before = at == 0 || is_ws(hay[at - 1]);
        let after = hay.get(at + kw.len()).is_none_or(|&c| is_ws(c));
        if before && after {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

pub(crate) fn decode_name(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'#' && i + 2 < raw.len() + 1 {
            if let Some(v) = raw
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexer_reads_operands_and_ops() {
        let mut lx = Lexer::new(
            b"BT /F1 12 Tf [(a\\051b) -250 <00410042>] TJ (x) ' BI /W 1 ID \x01EI x EI ET",
        );
        let mut ops = Vec::new();
        let mut operands = Vec::new();
        let mut images = 0;
        while let Some(i) = lx.next_operand_or_op() {
            match i {
                Item::Op(o) => ops.push(String::from_utf8(o).unwrap()),
                Item::Operand(o) => operands.push(o),
                Item::InlineImage => images += 1,
            }
        }
        assert_eq!(ops, ["BT", "Tf", "TJ", "'", "ET"]);
        assert_eq!(images, 1);
        assert_eq!(operands[0], Operand::Name(b"F1".to_vec()));
        assert_eq!(
            operands[2],
            Operand::Array(vec![
                Operand::Str(b"a)b".to_vec()),
                Operand::Num(-250.0),
                Operand::Str(vec![0, 0x41, 0, 0x42])
            ])
        );
        assert_eq!(decode_name(b"A#20B"), b"A B");
    }

    proptest::proptest! {
        #[test]
        fn lexer_never_panics_and_always_progresses(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2000)) {
            let mut lx = Lexer::new(&data);
            let mut n = 0;
            let mut st = State::<()>::new(IDENTITY);
            let mut operands = Vec::new();
            while let Some(item) = lx.next_operand_or_op() {
                n += 1;
                proptest::prop_assert!(n <= data.len() + 1, "the lexer makes progress");
                match item {
                    Item::Operand(o) => operands.push(o),
                    Item::Op(op) => {
                        st.apply(&op, &operands, &mut |_| Some(()));
                        operands.clear();
                    }
                    Item::InlineImage => {}
                }
            }
        }
    }

    #[test]
    fn hostile_nesting_is_bounded() {
        let deep = [b"[".repeat(100_000), b"<<".repeat(100_000)].concat();
        let mut lx = Lexer::new(&deep);
        while lx.next_operand_or_op().is_some() {}
        let mut st = State::<()>::new(IDENTITY);
        for _ in 0..10_000 {
            st.apply(b"q", &[], &mut |_| None);
        }
        st.apply(b"cm", &[2.0, 0.0, 0.0, 2.0, 0.0, 0.0].map(Operand::Num), &mut |_| None);
        for _ in 0..10_000 {
            st.apply(b"Q", &[], &mut |_| None);
        }
        assert_eq!(st.ctm, IDENTITY, "every q is matched by its Q, saved or not");
    }

    #[test]
    fn matrices() {
        let m = mul(
            &[2.0, 0.0, 0.0, 2.0, 10.0, 0.0],
            &[1.0, 0.0, 0.0, 1.0, 0.0, 5.0],
        );
        assert_eq!(apply(&m, 1.0, 1.0), (12.0, 7.0));
        assert_eq!(bbox_of(&m, &[0.0, 0.0, 1.0, 1.0]), [10.0, 5.0, 12.0, 7.0]);
    }

    #[test]
    fn text_state_follows_the_operators() {
        let mut st = State::<&'static str>::new([1.0, 0.0, 0.0, 1.0, 0.0, 100.0]);
        let num = |v: &[f64]| v.iter().map(|&x| Operand::Num(x)).collect::<Vec<_>>();
        let mut font = |n: &[u8]| (n == b"F1").then_some("F1");
        assert!(st.apply(b"BT", &[], &mut font));
        assert!(st.apply(b"Tf", &[Operand::Name(b"F1".to_vec()), Operand::Num(10.0)], &mut font));
        assert_eq!((st.text.size, st.text.font), (10.0, Some("F1")));
        assert!(st.apply(b"TD", &num(&[5.0, -12.0]), &mut font));
        assert_eq!(st.text.tl, 12.0);
        assert!(st.apply(b"Tz", &num(&[50.0]), &mut font));
        assert!(st.apply(b"Ts", &num(&[3.0]), &mut font));
        // Stray operands in front are ignored.
        assert!(st.apply(b"Td", &num(&[99.0, 1.0, 2.0]), &mut font));
        assert_eq!(st.tm, [1.0, 0.0, 0.0, 1.0, 6.0, -10.0]);
        let trm = st.text_matrix();
        assert_eq!(apply(&trm, 0.0, 0.0), (6.0, 93.0));
        assert_eq!(apply(&trm, 1.0, 0.0), (11.0, 93.0));
        // ' moves to the next line and leaves the showing to the client.
        assert!(!st.apply(b"'", &[Operand::Str(b"x".to_vec())], &mut font));
        assert_eq!(st.tm[5], -22.0);
        assert!(!st.apply(b"\"", &[Operand::Num(4.0), Operand::Num(1.0), Operand::Str(vec![])], &mut font));
        assert_eq!((st.text.tw, st.text.tc), (4.0, 1.0));
        st.advance(2.0);
        assert_eq!(st.tm[4], 8.0);
        // q/Q save and restore the text state with the CTM.
        assert!(st.apply(b"q", &[], &mut font));
        assert!(st.apply(b"Tc", &num(&[7.0]), &mut font));
        assert!(st.apply(b"Q", &[], &mut font));
        assert_eq!(st.text.tc, 1.0);
        assert!(!st.apply(b"Tj", &[], &mut font));
    }
}
