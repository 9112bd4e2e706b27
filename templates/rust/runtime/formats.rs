// Checks of the string formats `--formats assert` asserts (RFC 3339 dates and times, ISO 8601
// durations, e-mail addresses, host names, IP addresses, URIs, UUIDs, JSON pointers), written as
// small ASCII parsers that follow the Python and TypeScript runtimes step by step. Part of the
// runtime only when a schema asserts a format; `format_regex` (the `regex` format) is in
// format_regex.rs, appended when a schema asserts that one.

const UNRESERVED: &[u8] = b"-._~";
const SUB_DELIMS: &[u8] = b"!$&'()*+,;=";

fn fmt_num(s: &[u8], i: usize, n: usize) -> i64 {
    if i + n > s.len() {
        return -1;
    }
    let mut v: i64 = 0;
    for &c in &s[i..i + n] {
        if !c.is_ascii_digit() {
            return -1;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    v
}

/// `date`: RFC 3339 full-date (days per month, leap years).
pub fn format_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (y, m, d) = (fmt_num(b, 0, 4), fmt_num(b, 5, 2), fmt_num(b, 8, 2));
    if y < 0 || !(1..=12).contains(&m) || d < 1 {
        return false;
    }
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    d <= days[(m - 1) as usize]
}

/// `time`: RFC 3339 full-time (an offset is required; second 60 only at 23:59:60 UTC).
pub fn format_time(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 9 || b[2] != b':' || b[5] != b':' {
        return false;
    }
    let (h, m, sec) = (fmt_num(b, 0, 2), fmt_num(b, 3, 2), fmt_num(b, 6, 2));
    if !(0..=23).contains(&h) || !(0..=59).contains(&m) || !(0..=60).contains(&sec) {
        return false;
    }
    let mut i = 8;
    if b[i] == b'.' {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if i >= b.len() {
        return false;
    }
    let offset = match b[i] {
        b'Z' | b'z' => {
            if i + 1 != b.len() {
                return false;
            }
            0
        }
        c @ (b'+' | b'-') => {
            if b.len() != i + 6 || b[i + 3] != b':' {
                return false;
            }
            let (oh, om) = (fmt_num(b, i + 1, 2), fmt_num(b, i + 4, 2));
            if !(0..=23).contains(&oh) || !(0..=59).contains(&om) {
                return false;
            }
            (oh * 60 + om) * if c == b'+' { 1 } else { -1 }
        }
        _ => return false,
    };
    if sec == 60 {
        return (h * 60 + m - offset).rem_euclid(1440) == 23 * 60 + 59;
    }
    true
}

/// `date-time`: RFC 3339 date-time (`T` in either case).
pub fn format_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 11
        && (b[10] == b'T' || b[10] == b't')
        && format_date(&s[..10])
        && format_time(&s[11..])
}

/// `duration`: RFC 3339 appendix A (ISO 8601 durations).
pub fn format_duration(s: &str) -> bool {
    let b = s.as_bytes();
    let n = b.len();
    if n < 2 || b[0] != b'P' {
        return false;
    }
    let mut i = 1;
    let mut units: &[u8] = b"YMD";
    let mut pos = 0;
    let mut seen = false;
    while i < n && b[i] != b'T' {
        let mut j = i;
        while j < n && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == i || j == n {
            return false;
        }
        if b[j] == b'W' {
            return !seen && j + 1 == n;
        }
        match units[pos..].iter().position(|&u| u == b[j]) {
            Some(k) => pos += k + 1,
            None => return false,
        }
        seen = true;
        i = j + 1;
    }
    if i < n {
        i += 1;
        units = b"HMS";
        pos = 0;
        let mut timed = false;
        while i < n {
            let mut j = i;
            while j < n && b[j].is_ascii_digit() {
                j += 1;
            }
            if j == i || j == n {
                return false;
            }
            match units[pos..].iter().position(|&u| u == b[j]) {
                Some(k) => pos += k + 1,
                None => return false,
            }
            timed = true;
            i = j + 1;
        }
        if !timed {
            return false;
        }
        seen = true;
    }
    seen
}

/// `hostname`: RFC 1123 labels (letters, digits, inner hyphens; 1-63 each), at most 253 in all.
pub fn format_hostname(s: &str) -> bool {
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    s.split('.').all(|label| {
        let l = label.as_bytes();
        !l.is_empty()
            && l.len() <= 63
            && l[0] != b'-'
            && l[l.len() - 1] != b'-'
            && l.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
    })
}

/// `ipv4`: four decimal octets 0-255, no leading zeros.
pub fn format_ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            let b = p.as_bytes();
            if b.is_empty() || b.len() > 3 || (b.len() > 1 && b[0] == b'0') {
                return false;
            }
            (0..=255).contains(&fmt_num(b, 0, b.len()))
        })
}

fn ipv6_groups(part: &str, last: bool) -> i32 {
    if part.is_empty() {
        return 0;
    }
    let groups: Vec<&str> = part.split(':').collect();
    let mut count = 0;
    for (i, g) in groups.iter().enumerate() {
        if last && i == groups.len() - 1 && g.contains('.') {
            if !format_ipv4(g) {
                return -1;
            }
            count += 2;
        } else if (1..=4).contains(&g.len()) && g.bytes().all(|c| c.is_ascii_hexdigit()) {
            count += 1;
        } else {
            return -1;
        }
    }
    count
}

/// `ipv6`: RFC 4291 text form (at most one `::`, an embedded IPv4 last; no zone, no prefix).
pub fn format_ipv6(s: &str) -> bool {
    match s.find("::") {
        None => ipv6_groups(s, true) == 8,
        Some(k) => {
            let (head, tail) = (ipv6_groups(&s[..k], false), ipv6_groups(&s[k + 2..], true));
            head >= 0 && tail >= 0 && head + tail <= 7
        }
    }
}

/// `uuid`: 8-4-4-4-12 hex digits (any version).
pub fn format_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn uri_chars(s: &str, extra: &[u8]) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            if i + 2 >= b.len() || !b[i + 1].is_ascii_hexdigit() || !b[i + 2].is_ascii_hexdigit() {
                return false;
            }
            i += 3;
            continue;
        }
        if !(c.is_ascii_alphanumeric() || UNRESERVED.contains(&c) || extra.contains(&c)) {
            return false;
        }
        i += 1;
    }
    true
}

const UI: &[u8] = b"!$&'()*+,;=:";
const PCHAR_SLASH: &[u8] = b"!$&'()*+,;=:@/";
const PCHAR_QUERY: &[u8] = b"!$&'()*+,;=:@/?";

fn uri_authority(mut a: &str) -> bool {
    if let Some(at) = a.rfind('@') {
        if !uri_chars(&a[..at], UI) {
            return false;
        }
        a = &a[at + 1..];
    }
    let rest;
    if let Some(stripped) = a.strip_prefix('[') {
        let end = match stripped.find(']') {
            Some(e) => e,
            None => return false,
        };
        let inside = &stripped[..end];
        rest = &stripped[end + 1..];
        if inside.starts_with('v') || inside.starts_with('V') {
            let dot = match inside.find('.') {
                Some(d) => d,
                None => return false,
            };
            if dot < 2
                || !inside[1..dot].bytes().all(|c| c.is_ascii_hexdigit())
                || dot + 1 == inside.len()
            {
                return false;
            }
            if !uri_chars(&inside[dot + 1..], UI) || inside.contains('%') {
                return false;
            }
        } else if !format_ipv6(inside) {
            return false;
        }
    } else {
        let (host, r) = match a.rfind(':') {
            Some(colon) => (&a[..colon], &a[colon..]),
            None => (a, ""),
        };
        rest = r;
        if !uri_chars(host, SUB_DELIMS) {
            return false;
        }
    }
    rest.is_empty() || (rest.starts_with(':') && rest[1..].bytes().all(|c| c.is_ascii_digit()))
}

fn uri_relative(mut s: &str, scheme: bool) -> bool {
    if let Some(hash) = s.find('#') {
        if !uri_chars(&s[hash + 1..], PCHAR_QUERY) {
            return false;
        }
        s = &s[..hash];
    }
    if let Some(q) = s.find('?') {
        if !uri_chars(&s[q + 1..], PCHAR_QUERY) {
            return false;
        }
        s = &s[..q];
    }
    if let Some(after) = s.strip_prefix("//") {
        let (auth, path) = match after.find('/') {
            Some(slash) => (&after[..slash], &after[slash..]),
            None => (after, ""),
        };
        return uri_authority(auth) && uri_chars(path, PCHAR_SLASH);
    }
    if !scheme && s.split('/').next().unwrap_or("").contains(':') {
        return false;
    }
    uri_chars(s, PCHAR_SLASH)
}

fn uri_scheme_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.is_empty() || !b[0].is_ascii_alphabetic() {
        return None;
    }
    for (i, &c) in b.iter().enumerate() {
        if c == b':' {
            return Some(i);
        }
        if !(c.is_ascii_alphanumeric() || c == b'+' || c == b'-' || c == b'.') {
            return None;
        }
    }
    None
}

/// `uri`: RFC 3986 URI (a scheme; ASCII only).
pub fn format_uri(s: &str) -> bool {
    match uri_scheme_end(s) {
        Some(end) => end > 0 && uri_relative(&s[end + 1..], true),
        None => false,
    }
}

/// `uri-reference`: RFC 3986 URI or relative reference.
pub fn format_uri_reference(s: &str) -> bool {
    format_uri(s) || uri_relative(s, false)
}

/// `email`: dot-atom or quoted local part, `@`, a host name or an address literal.
pub fn format_email(s: &str) -> bool {
    let at = match s.rfind('@') {
        Some(at) if at > 0 => at,
        _ => return false,
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    let l = local.as_bytes();
    if l[0] == b'"' {
        if l.len() < 2 || l[l.len() - 1] != b'"' {
            return false;
        }
        let mut i = 1;
        while i < l.len() - 1 {
            let c = l[i];
            if c == b'\\' {
                if i + 1 >= l.len() - 1 || !(b' '..=b'~').contains(&l[i + 1]) {
                    return false;
                }
                i += 2;
                continue;
            }
            if c == b'"' || !(b' '..=b'~').contains(&c) {
                return false;
            }
            i += 1;
        }
    } else if !local.split('.').all(|atom| {
        !atom.is_empty()
            && atom
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&c))
    }) {
        return false;
    }
    if domain.len() >= 2 && domain.starts_with('[') && domain.ends_with(']') {
        let inside = &domain[1..domain.len() - 1];
        return match inside.strip_prefix("IPv6:") {
            Some(v6) => format_ipv6(v6),
            None => format_ipv4(inside),
        };
    }
    format_hostname(domain)
}

/// `json-pointer`: RFC 6901.
pub fn format_json_pointer(s: &str) -> bool {
    let b = s.as_bytes();
    if !b.is_empty() && b[0] != b'/' {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'~' {
            if i + 1 >= b.len() || (b[i + 1] != b'0' && b[i + 1] != b'1') {
                return false;
            }
            i += 2;
            continue;
        }
        i += 1;
    }
    true
}

/// `relative-json-pointer`: a non-negative integer, then `#` or a JSON pointer.
pub fn format_relative_json_pointer(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == 0 || (i > 1 && b[0] == b'0') {
        return false;
    }
    let rest = &s[i..];
    rest == "#" || format_json_pointer(rest)
}
