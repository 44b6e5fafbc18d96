import Foundation

/// A link found in the assembled text of a generation stream, with what the rule needs to know.
public struct LinkCandidate: Equatable, Sendable {
    /// Where in the text the link came from.
    public enum Source: String, Sendable {
        /// `[label](url)` (never an image `![alt](url)`).
        case markdown
        /// The `src` attribute of a `<video>` or `<source>` tag.
        case videoTag = "video_tag"
        /// A bare `http(s)://` URL, only collected when no markdown link or video tag exists.
        case bare
    }

    /// The URL exactly as written (percent-escapes kept byte-for-byte).
    public let url: String
    /// The link text of a markdown link, `"video"` for a video tag, nil for a bare URL.
    public let label: String?
    /// The syntax the link was found in.
    public let source: Source
    /// The label says the link is a preview or watermarked copy (`预览`, `preview`, `watermark`).
    public let isPreview: Bool
    /// The URL's path (query and fragment ignored) ends in `.mp4`, `.mov` or `.webm`.
    public let hasVideoExtension: Bool
    /// The label is one the gateways use for the video (`点击这里`, `在线播放`, `下载视频`, `video`…),
    /// or the candidate is a bare URL that makes up the whole text.
    public let hasVideoLabel: Bool
    /// A bare URL that is the entire text (a relay fork's final content is just the link).
    public let isWholeText: Bool

    /// Creates a candidate; the flags are derived from `url`, `label` and `isWholeText`.
    public init(url: String, label: String?, source: Source, isWholeText: Bool = false) {
        self.url = url
        self.label = label
        self.source = source
        self.isWholeText = isWholeText
        self.isPreview = label.map(VideoLinkExtractor.labelSaysPreview) ?? false
        self.hasVideoExtension = VideoLinkExtractor.hasVideoExtension(url)
        self.hasVideoLabel = isWholeText || (label.map(VideoLinkExtractor.labelSaysVideo) ?? false)
    }
}

/// Finds the video link in the assembled Markdown "task log" of a generation stream
/// (upstream-protocols.md A.6).
///
/// Rule: collect, in order of appearance, markdown links that are not images and `<video>`/
/// `<source>` `src` attributes; only if there are none, bare `http(s)://` URLs. Drop candidates whose
/// label says preview. Take the last candidate whose path ends in a video extension; else the last
/// one whose label is a known video label; else there is no link.
///
/// Additions to A.6: text inside a fenced block whose info string is `json` (the gateway's echo of
/// the request, which may quote URLs from the user's prompt) is ignored; a bare URL that is the
/// whole text counts as labelled "video" (A.6 lists that form); for text that may be cut short
/// (`textIsComplete: false`) a link construct or bare URL running into the end of the text is
/// never a candidate, so a signed URL truncated by a dropped connection is not reported; a bare
/// URL ends at whitespace, quotes, `<`, `>`, a backtick or any non-ASCII character, and trailing
/// punctuation (`.,;:!?~*` and an unbalanced `)`) is not part of it. Markdown targets end at the
/// first unescaped `)` (or whitespace before a title); `\)`-style escapes are unescaped,
/// percent-escapes never are. In `src` attributes `&amp;` is decoded to `&`.
public enum VideoLinkExtractor {
    /// All candidates in order (previews included, flagged), as the rule sees them.
    public static func candidates(in text: String) -> [LinkCandidate] {
        candidates(in: text, textIsComplete: true)
    }

    /// The video link by the A.6 rule, or nil (`no_link`).
    /// - Parameter textIsComplete: false when the text may have been cut short (the stream broke):
    ///   constructs and bare URLs that run into the end of the text are then ignored.
    public static func videoLink(in text: String, textIsComplete: Bool = true) -> String? {
        choose(from: candidates(in: text, textIsComplete: textIsComplete))
    }

    /// A link that already qualifies by its extension (for persisting it the moment it appears),
    /// treating `text` as incomplete: an unterminated ```` ```json ```` block is ignored to its end.
    public static func videoLinkByExtension(in text: String) -> String? {
        candidates(in: text, textIsComplete: false).last { !$0.isPreview && $0.hasVideoExtension }?.url
    }

    // MARK: - Rule pieces

    static func choose(from candidates: [LinkCandidate]) -> String? {
        if let byExtension = candidates.last(where: { !$0.isPreview && $0.hasVideoExtension }) { return byExtension.url }
        return candidates.last { !$0.isPreview && $0.hasVideoLabel }?.url
    }

    static func candidates(in text: String, textIsComplete: Bool) -> [LinkCandidate] {
        let visible = removingJSONFences(text, stripUnterminated: !textIsComplete)
        let spans = scanSpans(Array(visible.unicodeScalars), textIsComplete: textIsComplete)
        let found = candidates(from: spans)
        if found.count == 1, let only = found.first, only.source == .bare,
           visible.trimmingCharacters(in: .whitespacesAndNewlines) == only.url {
            return [LinkCandidate(url: only.url, label: nil, source: .bare, isWholeText: true)]
        }
        return found
    }

    /// Structured candidates if any exist, else bare ones.
    static func candidates(from spans: [LinkSpan]) -> [LinkCandidate] {
        let structured = spans.compactMap { span -> LinkCandidate? in
            guard let url = span.url else { return nil }
            switch span.kind {
            case .markdown: return LinkCandidate(url: url, label: span.label ?? "", source: .markdown)
            case .videoTag: return LinkCandidate(url: url, label: "video", source: .videoTag)
            case .image, .bare: return nil
            }
        }
        if !structured.isEmpty { return structured }
        return spans.compactMap { span in
            guard span.kind == .bare, let url = span.url else { return nil }
            return LinkCandidate(url: url, label: nil, source: .bare)
        }
    }

    static func hasVideoExtension(_ url: String) -> Bool {
        var path = Substring(url)
        if let cut = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<cut] }
        let lower = path.lowercased()
        return lower.hasSuffix(".mp4") || lower.hasSuffix(".mov") || lower.hasSuffix(".webm")
    }

    static func labelSaysPreview(_ label: String) -> Bool {
        let lower = label.lowercased()
        if lower.contains("预览") || lower.contains("preview") { return true }
        if lower.contains("watermark") {
            // "watermark-free" / "no watermark" name the clean copy, not a preview.
            let clean = ["watermark-free", "watermark free", "no watermark", "without watermark", "无水印", "去水印"]
            return !clean.contains { lower.contains($0) }
        }
        return false
    }

    static let videoLabels = ["点击这里", "在线播放", "下载视频", "查看视频", "播放", "下载", "视频",
                              "video", "download", "watch", "play"]

    static func labelSaysVideo(_ label: String) -> Bool {
        let lower = label.lowercased()
        return videoLabels.contains { lower.contains($0) }
    }

    // MARK: - Fenced JSON blocks

    /// Whether a line (leading spaces and `>` quote markers ignored) opens or closes a code fence;
    /// returns the fence's info string, lowercased.
    static func fenceInfo(_ line: Substring) -> String? {
        let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == ">" }
        guard trimmed.hasPrefix("```") else { return nil }
        return trimmed.dropFirst(3).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// Blanks lines from a ```` ```json ```` line to its closing fence. An unterminated block is
    /// blanked to the end only when `stripUnterminated` is set.
    static func removingJSONFences(_ text: String, stripUnterminated: Bool) -> String {
        guard text.contains("```") else { return text }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        var kept: [Substring] = []
        kept.reserveCapacity(lines.count)
        var openedAt: Int?
        var insideOtherFence = false
        for (index, line) in lines.enumerated() {
            let info = fenceInfo(line)
            if openedAt != nil {
                kept.append("")
                if info != nil { openedAt = nil }
                continue
            }
            if let info {
                if insideOtherFence {
                    insideOtherFence = false
                } else if info.hasPrefix("json") {
                    openedAt = index
                    kept.append("")
                    continue
                } else {
                    insideOtherFence = true
                }
            }
            kept.append(line)
        }
        if let start = openedAt, !stripUnterminated {
            kept.replaceSubrange(start..., with: lines[start...])
        }
        return kept.joined(separator: "\n")
    }

    // MARK: - Scanner

    /// A link-like construct in a line or text, as scalar offsets.
    struct LinkSpan: Equatable {
        enum Kind { case image, markdown, videoTag, bare }
        var range: Range<Int>
        var kind: Kind
        /// Markdown link text / image alt text.
        var label: String?
        /// The http(s) URL, or nil when the target is not an http(s) URL.
        var url: String?
    }

    static let maxLabelScalars = 1_000

    /// Finds images, markdown links, video tags and (outside those) bare URLs, in order.
    /// With `textIsComplete == false`, a construct cut off by the end of the text becomes one span
    /// without URL reaching to the end, and a bare URL that ends at the end of the text has no URL.
    static func scanSpans(_ s: [Unicode.Scalar], textIsComplete: Bool = true) -> [LinkSpan] {
        var spans: [LinkSpan] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == "!", i + 1 < s.count, s[i + 1] == "[" {
                if var image = parseMarkdownLink(s, open: i + 1) {
                    image.range = i..<image.range.upperBound
                    image.kind = .image
                    spans.append(image)
                    i = image.range.upperBound
                    continue
                }
                if !textIsComplete, markdownTargetRunsToEnd(s, open: i + 1) {
                    spans.append(LinkSpan(range: i..<s.count, kind: .image, label: nil, url: nil))
                    break
                }
            }
            if c == "[" {
                if let link = parseMarkdownLink(s, open: i) {
                    spans.append(link)
                    i = link.range.upperBound
                    continue
                }
                if !textIsComplete, markdownTargetRunsToEnd(s, open: i) {
                    spans.append(LinkSpan(range: i..<s.count, kind: .markdown, label: nil, url: nil))
                    break
                }
            }
            if c == "<" {
                if let tag = parseVideoTag(s, open: i) {
                    spans.append(tag)
                    i = tag.range.upperBound
                    continue
                }
                if !textIsComplete, isVideoTagStart(s, open: i) {
                    spans.append(LinkSpan(range: i..<s.count, kind: .videoTag, label: "video", url: nil))
                    break
                }
            }
            if c == "h" || c == "H", var bare = parseBareURL(s, start: i) {
                if !textIsComplete, bare.range.upperBound == s.count { bare.url = nil }
                spans.append(bare)
                i = bare.range.upperBound
                continue
            }
            i += 1
        }
        return spans
    }

    /// `[label](target` whose target is still open at the end of the text.
    static func markdownTargetRunsToEnd(_ s: [Unicode.Scalar], open: Int) -> Bool {
        var j = open + 1
        var depth = 1
        while j < s.count, j - open <= maxLabelScalars {
            if s[j] == "\\" { j += 2; continue }
            if s[j] == "[" { depth += 1 }
            if s[j] == "]" {
                depth -= 1
                if depth == 0 { break }
            }
            j += 1
        }
        if j >= s.count { return j - open <= maxLabelScalars }  // still inside the label
        guard j + 1 < s.count else { return true }  // "[label]" at the very end
        guard s[j + 1] == "(" else { return false }
        return !s[(j + 2)...].contains(")")
    }

    static func isVideoTagStart(_ s: [Unicode.Scalar], open: Int) -> Bool {
        var nameEnd = open + 1
        while nameEnd < s.count, s[nameEnd].properties.isAlphabetic, nameEnd - open <= 7 { nameEnd += 1 }
        let name = string(s[(open + 1)..<nameEnd]).lowercased()
        return (name == "video" || name == "source") && !s[nameEnd...].contains(">")
    }

    static func isHTTPURL(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        for scheme in ["https://", "http://"] {
            let scalars = Array(scheme.unicodeScalars)
            guard i + scalars.count <= s.count else { continue }
            var matches = true
            for (k, expected) in scalars.enumerated() where lowerASCII(s[i + k]) != expected {
                matches = false
                break
            }
            if matches { return scalars.count }
        }
        return nil
    }

    static func lowerASCII(_ c: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(c) ? Unicode.Scalar(c.value + 32) ?? c : c
    }

    static func string(_ s: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: s)
        return String(view)
    }

    static func isASCIIPunctuation(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (0x21...0x2F ~= c.value || 0x3A...0x40 ~= c.value || 0x5B...0x60 ~= c.value || 0x7B...0x7E ~= c.value)
    }

    /// `[label](target)` starting at `open` (a `[`). The target ends at the first unescaped `)`,
    /// or at whitespace followed by an optional title and `)`.
    static func parseMarkdownLink(_ s: [Unicode.Scalar], open: Int) -> LinkSpan? {
        var j = open + 1
        var depth = 1
        var close: Int?
        while j < s.count, j - open <= maxLabelScalars {
            let c = s[j]
            if c == "\\" { j += 2; continue }
            if c == "\n", j + 1 < s.count, s[j + 1] == "\n" { return nil }  // a blank line ends the paragraph
            if c == "[" { depth += 1 }
            if c == "]" {
                depth -= 1
                if depth == 0 { close = j; break }
            }
            j += 1
        }
        guard let close, close + 1 < s.count, s[close + 1] == "(" else { return nil }
        var k = close + 2
        while k < s.count, s[k] == " " || s[k] == "\t" { k += 1 }
        var target: [Unicode.Scalar] = []
        if k < s.count, s[k] == "<" {  // <destination>
            k += 1
            while k < s.count, s[k] != ">", s[k] != "\n" { target.append(s[k]); k += 1 }
            guard k < s.count, s[k] == ">" else { return nil }
            k += 1
        } else {
            while k < s.count {
                let c = s[k]
                if c == "\\", k + 1 < s.count, isASCIIPunctuation(s[k + 1]) {
                    target.append(s[k + 1]); k += 2; continue
                }
                if c == ")" || c == " " || c == "\t" || c == "\n" || c == "\r" { break }
                target.append(c)
                k += 1
            }
        }
        // Optional title, then the closing parenthesis.
        while k < s.count, s[k] != ")" {
            if s[k] == "\n" { return nil }  // titles are only accepted on the same line
            if s[k] == "\\" { k += 1 }
            k += 1
        }
        guard k < s.count else { return nil }
        let label = string(s[(open + 1)..<close]).trimmingCharacters(in: .whitespacesAndNewlines)
        let url = isHTTPURL(target, at: 0) != nil ? string(target[...]) : nil
        return LinkSpan(range: open..<(k + 1), kind: .markdown, label: label, url: url)
    }

    /// `<video …>` or `<source …>` starting at `open` (a `<`), with its `src` attribute.
    static func parseVideoTag(_ s: [Unicode.Scalar], open: Int) -> LinkSpan? {
        var nameEnd = open + 1
        while nameEnd < s.count, s[nameEnd].properties.isAlphabetic, nameEnd - open <= 7 { nameEnd += 1 }
        let name = string(s[(open + 1)..<nameEnd]).lowercased()
        guard name == "video" || name == "source" else { return nil }
        guard nameEnd < s.count, s[nameEnd] == ">" || s[nameEnd] == "/" || s[nameEnd].properties.isWhitespace else {
            return nil
        }
        var src: String?
        var k = nameEnd
        while k < s.count {
            let c = s[k]
            if c == ">" { break }
            if c.properties.isWhitespace || c == "/" { k += 1; continue }
            var attrName: [Unicode.Scalar] = []
            while k < s.count, !s[k].properties.isWhitespace, s[k] != "=", s[k] != ">", s[k] != "/" {
                attrName.append(s[k]); k += 1
            }
            if attrName.isEmpty { k += 1; continue }
            while k < s.count, s[k] == " " || s[k] == "\t" { k += 1 }
            guard k < s.count, s[k] == "=" else { continue }
            k += 1
            while k < s.count, s[k] == " " || s[k] == "\t" { k += 1 }
            var value: [Unicode.Scalar] = []
            if k < s.count, s[k] == "'" || s[k] == "\"" {
                let quote = s[k]
                k += 1
                while k < s.count, s[k] != quote { value.append(s[k]); k += 1 }
                guard k < s.count else { return nil }
                k += 1
            } else {
                while k < s.count, !s[k].properties.isWhitespace, s[k] != ">" { value.append(s[k]); k += 1 }
            }
            if string(attrName[...]).lowercased() == "src", src == nil {
                src = string(value[...]).replacingOccurrences(of: "&amp;", with: "&")
            }
        }
        guard k < s.count else { return nil }
        let url = src.flatMap { isHTTPURL(Array($0.unicodeScalars), at: 0) != nil ? $0 : nil }
        return LinkSpan(range: open..<(k + 1), kind: .videoTag, label: "video", url: url)
    }

    static func isASCIIAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
    }

    static func endsBareURL(_ c: Unicode.Scalar) -> Bool {
        !c.isASCII || c.properties.isWhitespace || c.value < 0x20 || "<>\"'`".unicodeScalars.contains(c)
    }

    /// A bare `http(s)://` URL starting at `start`.
    static func parseBareURL(_ s: [Unicode.Scalar], start: Int) -> LinkSpan? {
        if start > 0, isASCIIAlphanumeric(s[start - 1]) { return nil }  // "xhttp://" is not a URL start
        guard let schemeLength = isHTTPURL(s, at: start) else { return nil }
        var end = start + schemeLength
        while end < s.count, !endsBareURL(s[end]) { end += 1 }
        // Trailing punctuation belongs to the sentence, not the URL.
        while end > start + schemeLength {
            let last = s[end - 1]
            if ".,;:!?~*".unicodeScalars.contains(last) { end -= 1; continue }
            if last == ")" || last == "]" {
                let openChar: Unicode.Scalar = last == ")" ? "(" : "["
                let opens = s[start..<end].filter { $0 == openChar }.count
                let closes = s[start..<end].filter { $0 == last }.count
                if closes > opens { end -= 1; continue }
            }
            break
        }
        guard end > start + schemeLength else { return nil }
        return LinkSpan(range: start..<end, kind: .bare, label: nil, url: string(s[start..<end]))
    }
}
