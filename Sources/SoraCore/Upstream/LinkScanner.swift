#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A link-like construct in text, as byte offsets of the scanned buffer.
struct LinkSpan: Equatable, Sendable {
    enum Kind: Sendable { case image, markdown, videoTag, bare }
    var range: Range<Int>
    var kind: Kind
    /// Markdown link text or image alt text, untrimmed; nil for tags and bare URLs.
    var label: Range<Int>?
    /// The http(s) URL (Markdown escapes and `&amp;` undone); nil when the target is not one,
    /// when URLs were not asked for, or when the construct runs into the end of incomplete text.
    var url: String?
}

/// Finds Markdown images and links, `<video>`/`<source>` tags and (outside those) bare
/// `http(s)://` URLs in UTF-8 text, left to right, without building strings except for URLs.
///
/// Rules (A.6 plus the additions documented on `VideoLinkExtractor`): a Markdown target ends at
/// the first unescaped `)` or at whitespace before a title, `\)`-style escapes are undone and
/// percent-escapes never are; a label spans at most `maxLabelBytes` and no blank line; a bare URL
/// ends at whitespace, a quote, `<`, `>`, a backtick or any non-ASCII byte, and loses trailing
/// `.,;:!?~*` and an unbalanced `)` or `]`. LF and CR both end a line.
///
/// The scan can stop early: in `.streaming` mode a construct whose outcome depends on text not yet
/// seen (a label or a tag still open at the end of the buffer) stops the scan at its start, so
/// the caller keeps only that tail and scans it again when more text arrives.
enum LinkScanner {
    /// What to do with a construct that runs into the end of the buffer.
    enum Mode {
        /// Stop before it; more text will come.
        case streaming
        /// The text is complete: it is not a construct (scanning goes on inside it).
        case complete
        /// The text was cut short: it becomes a span without URL reaching to the end.
        case incomplete
    }

    /// Longest Markdown label (link text / alt text), in bytes.
    static let maxLabelBytes = 4_000

    private enum Step {
        case span(LinkSpan)
        case none
        case needMore
    }

    /// Appends the spans of `s` to `spans` and returns where scanning stopped: `s.count`, or in
    /// `.streaming` mode the start of an undecided construct.
    /// - Parameter before: the byte that preceded `s[0]` in the text ("xhttp://" is no URL start).
    static func scan(_ s: Bytes, before: UInt8, mode: Mode, makeURLs: Bool, into spans: inout [LinkSpan]) -> Int {
        let n = s.count
        var i = 0
        while i < n {
            let c = s[i]
            // Only these bytes can start a construct: "!", "[", "<", "h", "H".
            guard startsConstruct(c) else {
                i += 1
                continue
            }
            let kind: LinkSpan.Kind
            var step: Step
            switch c {
            case 0x21:
                guard i + 1 < n, s[i + 1] == 0x5B else {
                    i += 1
                    continue
                }
                kind = .image
                step = markdown(s, open: i + 1, makeURL: makeURLs)
                if case .span(var image) = step {
                    image.range = i..<image.range.upperBound
                    image.kind = .image
                    step = .span(image)
                }
            case 0x5B:
                kind = .markdown
                step = markdown(s, open: i, makeURL: makeURLs)
            case 0x3C:
                kind = .videoTag
                step = videoTag(s, open: i, makeURL: makeURLs)
            default:
                kind = .bare
                step = bareURL(s, start: i, before: i > 0 ? s[i - 1] : before, textEnds: mode == .complete, makeURL: makeURLs)
            }
            switch step {
            case .span(let span):
                spans.append(span)
                i = span.range.upperBound
                continue
            case .needMore:
                switch mode {
                case .streaming:
                    return i
                case .incomplete:
                    spans.append(LinkSpan(range: i..<n, kind: kind, label: nil, url: nil))
                    return n
                case .complete:
                    break
                }
            case .none:
                break
            }
            i += 1
        }
        return n
    }

    /// `!`, `[`, `<`, `h` or `H`, by a bit test.
    @inline(__always) private static func startsConstruct(_ b: UInt8) -> Bool {
        let low: UInt64 = 1 << 0x21 | 1 << 0x3C
        let high: UInt64 = 1 << (0x5B - 64) | 1 << (0x68 - 64) | 1 << (0x48 - 64)
        return b < 64 ? (low >> UInt64(b)) & 1 != 0 : b < 128 && (high >> UInt64(b - 64)) & 1 != 0
    }

    // MARK: - Constructs

    /// `[label](target)` with `s[open] == "["`. The target ends at the first unescaped `)`, or at
    /// whitespace followed by an optional title (same line) and `)`.
    private static func markdown(_ s: Bytes, open: Int, makeURL: Bool) -> Step {
        let n = s.count
        var j = open + 1
        var depth = 1
        var close = -1
        while j < n, j - open <= maxLabelBytes {
            let c = s[j]
            if c == 0x5C {  // backslash escape
                j += 2
                continue
            }
            if ASCII.isLineEnd(c), j + 1 < n, ASCII.isLineEnd(s[j + 1]) { return .none }  // a blank line ends the paragraph
            if c == 0x5B { depth += 1 }
            if c == 0x5D {
                depth -= 1
                if depth == 0 {
                    close = j
                    break
                }
            }
            j += 1
        }
        guard close >= 0 else { return j >= n && j - open <= maxLabelBytes + 1 ? .needMore : .none }
        guard close + 1 < n else { return .needMore }
        guard s[close + 1] == 0x28 else { return .none }  // "("
        var k = close + 2
        while k < n, s[k] == 0x20 || s[k] == 0x09 { k += 1 }
        guard k < n else { return .needMore }
        var target = k..<k
        var targetHasEscapes = false
        if s[k] == 0x3C {  // <destination>
            k += 1
            let start = k
            while k < n, s[k] != 0x3E, !ASCII.isLineEnd(s[k]) { k += 1 }
            guard k < n else { return .needMore }
            guard s[k] == 0x3E else { return .none }
            target = start..<k
            k += 1
        } else {
            let start = k
            while k < n {
                let c = s[k]
                if c == 0x5C, k + 1 < n, ASCII.isPunctuation(s[k + 1]) {
                    targetHasEscapes = true
                    k += 2
                    continue
                }
                if c == 0x29 || c == 0x20 || c == 0x09 || ASCII.isLineEnd(c) { break }
                k += 1
            }
            guard k < n else { return .needMore }
            target = start..<k
        }
        // Optional title on the same line, then the closing parenthesis.
        while k < n, s[k] != 0x29 {
            if ASCII.isLineEnd(s[k]) { return .none }
            if s[k] == 0x5C { k += 1 }
            k += 1
        }
        guard k < n else { return .needMore }
        var url: String?
        if makeURL, isHTTPURL(s.view(target)) {
            url = targetHasEscapes ? unescapedTarget(s.view(target)) : s.view(target).string
        }
        return .span(LinkSpan(range: open..<(k + 1), kind: .markdown, label: (open + 1)..<close, url: url))
    }

    private static func unescapedTarget(_ t: Bytes) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(t.count)
        var k = 0
        while k < t.count {
            if t[k] == 0x5C, k + 1 < t.count, ASCII.isPunctuation(t[k + 1]) {
                out.append(t[k + 1])
                k += 2
                continue
            }
            out.append(t[k])
            k += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `<video …>` or `<source …>` with `s[open] == "<"`, and its `src` attribute.
    private static func videoTag(_ s: Bytes, open: Int, makeURL: Bool) -> Step {
        let n = s.count
        var nameEnd = open + 1
        while nameEnd < n, ASCII.isLetter(s[nameEnd]), nameEnd - open <= 7 { nameEnd += 1 }
        let name = s.view((open + 1)..<nameEnd)
        let isTag = (name.count == 5 && name.hasPrefixFolded("video")) || (name.count == 6 && name.hasPrefixFolded("source"))
        guard isTag else {
            if nameEnd == n, isPrefixOfTagName(name) { return .needMore }
            return .none
        }
        guard nameEnd < n else { return .needMore }
        let afterName = s[nameEnd]
        guard afterName == 0x3E || afterName == 0x2F || ASCII.isSpace(afterName) else { return .none }
        var src: Range<Int>?
        var k = nameEnd
        while k < n {
            let c = s[k]
            if c == 0x3E { break }
            if ASCII.isSpace(c) || c == 0x2F {
                k += 1
                continue
            }
            let attrStart = k
            while k < n, !ASCII.isSpace(s[k]), s[k] != 0x3D, s[k] != 0x3E, s[k] != 0x2F { k += 1 }
            let attrName = attrStart..<k
            if attrName.isEmpty {
                k += 1
                continue
            }
            while k < n, s[k] == 0x20 || s[k] == 0x09 { k += 1 }
            guard k < n, s[k] == 0x3D else { continue }  // an attribute without value
            k += 1
            while k < n, s[k] == 0x20 || s[k] == 0x09 { k += 1 }
            var value = k..<k
            if k < n, s[k] == 0x27 || s[k] == 0x22 {
                let quote = s[k]
                k += 1
                let start = k
                while k < n, s[k] != quote { k += 1 }
                guard k < n else { return .needMore }
                value = start..<k
                k += 1
            } else {
                let start = k
                while k < n, !ASCII.isSpace(s[k]), s[k] != 0x3E { k += 1 }
                value = start..<k
            }
            if src == nil, attrName.count == 3, s.view(attrName).hasPrefixFolded("src") { src = value }
        }
        guard k < n else { return .needMore }
        var url: String?
        if makeURL, let src, isHTTPURL(s.view(src)) {
            let raw = s.view(src).string
            url = raw.contains("&amp;") ? raw.replacing("&amp;", with: "&") : raw
        }
        return .span(LinkSpan(range: open..<(k + 1), kind: .videoTag, label: nil, url: url))
    }

    private static func isPrefixOfTagName(_ name: Bytes) -> Bool {
        ("video" as StaticString).withUTF8Buffer { name.isFoldedPrefix(of: $0) }
            || ("source" as StaticString).withUTF8Buffer { name.isFoldedPrefix(of: $0) }
    }

    @inline(__always) private static func endsBareURL(_ b: UInt8) -> Bool {
        b >= 0x80 || b <= 0x20 || b == 0x3C || b == 0x3E || b == 0x22 || b == 0x27 || b == 0x60
    }

    /// A bare `http(s)://` URL at `start`; with `textEnds`, the end of `s` ends it.
    private static func bareURL(_ s: Bytes, start: Int, before: UInt8, textEnds: Bool, makeURL: Bool) -> Step {
        if ASCII.isAlphanumeric(before) { return .none }  // "xhttp://" is not a URL start
        let n = s.count
        let rest = s.view(start..<n)
        var schemeLength = 0
        if rest.hasPrefixFolded("https://") {
            schemeLength = 8
        } else if rest.hasPrefixFolded("http://") {
            schemeLength = 7
        } else {
            let partial = rest.count < 8 && (("https://" as StaticString).withUTF8Buffer { rest.isFoldedPrefix(of: $0) }
                || ("http://" as StaticString).withUTF8Buffer { rest.isFoldedPrefix(of: $0) })
            return partial ? .needMore : .none
        }
        var end = start + schemeLength
        while end < n, !endsBareURL(s[end]) { end += 1 }
        guard end < n || textEnds else { return .needMore }
        // Trailing punctuation belongs to the sentence, not the URL.
        while end > start + schemeLength {
            let last = s[end - 1]
            switch last {
            case UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "!"),
                 UInt8(ascii: "?"), UInt8(ascii: "~"), UInt8(ascii: "*"):
                end -= 1
                continue
            case UInt8(ascii: ")"), UInt8(ascii: "]"):
                let openByte: UInt8 = last == UInt8(ascii: ")") ? UInt8(ascii: "(") : UInt8(ascii: "[")
                var opens = 0
                var closes = 0
                for k in start..<end {
                    if s[k] == openByte { opens += 1 } else if s[k] == last { closes += 1 }
                }
                if closes > opens {
                    end -= 1
                    continue
                }
            default:
                break
            }
            break
        }
        guard end > start + schemeLength else { return .none }
        return .span(LinkSpan(range: start..<end, kind: .bare, label: nil, url: makeURL ? s.view(start..<end).string : nil))
    }

    /// Whether the bytes start with `http://` or `https://` (any case).
    static func isHTTPURL(_ t: Bytes) -> Bool {
        t.hasPrefixFolded("https://") || t.hasPrefixFolded("http://")
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// Whether these bytes, ASCII-folded, are a prefix of `whole` (lower case).
    fileprivate func isFoldedPrefix(of whole: Bytes) -> Bool {
        guard count <= whole.count else { return false }
        for k in 0..<count where ASCII.lower(self[k]) != whole[k] { return false }
        return true
    }
}
