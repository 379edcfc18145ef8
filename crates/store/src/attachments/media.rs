//! File names and media types, parsed once at upload so that what is stored is always
//! safe to send back in a header.

/// Characters kept of a file name (most file systems stop at 255 bytes; Docket counts
/// characters, so a name of any script keeps its meaning).
pub const MAX_FILENAME: usize = 255;

/// The last path component, without control characters or quotes (it goes into a
/// Content-Disposition header), trimmed and cut to `MAX_FILENAME`; `attachment` when
/// nothing is left.
pub fn clean_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(MAX_FILENAME)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "attachment".to_string()
    } else {
        cleaned.to_string()
    }
}

/// The declared media type as `type/subtype` in lower case (parameters dropped), or, when
/// none or junk was declared, what the first bytes say, else `application/octet-stream`.
pub fn media_type(declared: Option<&str>, data: &[u8]) -> String {
    if let Some(essence) = declared.and_then(essence) {
        // Browsers and curl send this when they do not know; the bytes may.
        if essence != "application/octet-stream" {
            return essence;
        }
    }
    sniff(data)
        .unwrap_or("application/octet-stream")
        .to_string()
}

/// Images a browser may show inline: raster formats only (an SVG can carry script), and
/// only when the bytes are what the type says.
pub fn is_inline_image(content_type: &str, data: &[u8]) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    ) && sniff(data) == Some(content_type)
}

fn essence(raw: &str) -> Option<String> {
    let essence = raw.split(';').next()?.trim().to_ascii_lowercase();
    let (top, sub) = essence.split_once('/')?;
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 127
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    (token(top) && token(sub)).then_some(essence)
}

/// The formats people attach most, by their magic numbers.
fn sniff(data: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"%PDF-", "application/pdf"),
        (b"PK\x03\x04", "application/zip"),
    ];
    if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    SIGNATURES
        .iter()
        .find(|(magic, _)| data.starts_with(magic))
        .map(|(_, kind)| *kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_controls_and_quotes() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\Users\\ada\\report.pdf"), "report.pdf");
        assert_eq!(clean_filename("a\"b\r\n.txt"), "ab.txt");
        assert_eq!(clean_filename("  "), "attachment");
        assert_eq!(clean_filename(".."), "attachment");
        assert_eq!(clean_filename("отчёт.txt"), "отчёт.txt");
        assert_eq!(
            clean_filename(&"é".repeat(300)).chars().count(),
            MAX_FILENAME
        );
    }

    #[test]
    fn media_types_are_declared_or_sniffed() {
        let png = b"\x89PNG\r\n\x1a\n0000";
        assert_eq!(
            media_type(Some("Text/Plain; charset=utf-8"), b"hi"),
            "text/plain"
        );
        assert_eq!(media_type(None, png), "image/png");
        assert_eq!(
            media_type(Some("application/octet-stream"), png),
            "image/png"
        );
        assert_eq!(
            media_type(Some("not a type"), b"hi"),
            "application/octet-stream"
        );
        assert_eq!(
            media_type(Some("text/<script>"), b"hi"),
            "application/octet-stream"
        );
    }

    #[test]
    fn only_true_raster_images_are_inline() {
        let png = b"\x89PNG\r\n\x1a\n0000";
        assert!(is_inline_image("image/png", png));
        assert!(!is_inline_image("image/png", b"<svg onload=alert(1)>"));
        assert!(!is_inline_image("image/svg+xml", b"<svg/>"));
        assert!(!is_inline_image("text/html", b"<p>"));
    }
}
