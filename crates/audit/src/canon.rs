//! The tiny JSON writer behind every byte string this crate hashes or signs.
//!
//! It is hand-written rather than delegated to `serde_json` so that the encoding is pinned
//! by this crate (see the crate docs) and cannot drift with a dependency upgrade; a test
//! cross-checks it against `serde_json` so the two stay interchangeable for outside verifiers.

/// Builds one canonical JSON object. Callers must add keys in byte-wise sorted order; the
/// debug assertion exists because an unsorted key would silently change every hash.
pub(crate) struct Obj {
    out: Vec<u8>,
    last_key: Option<&'static str>,
}

impl Obj {
    pub(crate) fn new(prefix: &[u8]) -> Self {
        let mut out = Vec::with_capacity(prefix.len() + 256);
        out.extend_from_slice(prefix);
        out.push(b'{');
        Obj { out, last_key: None }
    }

    fn key(&mut self, key: &'static str) {
        if let Some(last) = self.last_key {
            debug_assert!(last < key, "canonical keys out of order: {last} before {key}");
            self.out.push(b',');
        }
        self.last_key = Some(key);
        push_str(&mut self.out, key);
        self.out.push(b':');
    }

    pub(crate) fn str(mut self, key: &'static str, value: &str) -> Self {
        self.key(key);
        push_str(&mut self.out, value);
        self
    }

    pub(crate) fn opt(mut self, key: &'static str, value: Option<&str>) -> Self {
        self.key(key);
        match value {
            Some(v) => push_str(&mut self.out, v),
            None => self.out.extend_from_slice(b"null"),
        }
        self
    }

    pub(crate) fn num(mut self, key: &'static str, value: u64) -> Self {
        self.key(key);
        self.out.extend_from_slice(value.to_string().as_bytes());
        self
    }

    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.out.push(b'}');
        self.out
    }
}

/// Writes a JSON string with the minimal escaping of RFC 8785, which is also what
/// `serde_json` emits; both matter because outside verifiers will use one or the other.
fn push_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{08}' => out.extend_from_slice(b"\\b"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\u{0c}' => out.extend_from_slice(b"\\f"),
            '\r' => out.extend_from_slice(b"\\r"),
            c if (c as u32) < 0x20 => {
                let b = c as u8;
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0x0f)]);
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> String {
        let mut out = Vec::new();
        push_str(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_exactly_the_documented_characters() {
        assert_eq!(enc("a\"b\\c/d"), r#""a\"b\\c/d""#);
        assert_eq!(enc("\u{08}\t\n\u{0c}\r"), r#""\b\t\n\f\r""#);
        assert_eq!(enc("\u{00}\u{1f}\u{7f}"), "\"\\u0000\\u001f\u{7f}\"");
        assert_eq!(enc("Ærø ☃ 𝄞"), "\"Ærø ☃ 𝄞\"");
    }

    #[test]
    fn matches_serde_json_for_every_low_and_some_high_characters() {
        let mut s: String = (0u32..0x80).filter_map(char::from_u32).collect();
        s.push_str("øæå\u{2028}\u{2029}\u{feff}\u{10ffff}");
        assert_eq!(enc(&s), serde_json::to_string(&s).unwrap());
    }

    #[test]
    fn object_layout() {
        let bytes = Obj::new(b"p\n").opt("a", None).num("b", 42).str("c", "x").finish();
        assert_eq!(bytes, b"p\n{\"a\":null,\"b\":42,\"c\":\"x\"}");
    }
}
