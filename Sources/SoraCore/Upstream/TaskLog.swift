#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Line-level reading of the Markdown "task log" (A.5) on bytes: progress numbers, phase
/// markers, the upstream task id, failure words, and the display form of a status line.
/// Markers are matched on UTF-8 with ASCII letters folded, so `⌛️` (with its variation selector)
/// still contains `⌛`.
enum TaskLog {
    /// The line without leading `>` quote markers and whitespace, and without trailing whitespace.
    static func unquoted(_ line: Bytes) -> Bytes {
        var start = 0
        while start < line.count {
            if line[start] == UInt8(ascii: ">") {
                start += 1
                continue
            }
            let space = line.whitespaceLength(at: start)
            if space == 0 { break }
            start += space
        }
        var end = line.count
        while end > start {
            if ASCII.isSpace(line[end - 1]) {
                end -= 1
            } else if line[end - 1] >= 0x80, end - start >= 2, line.whitespaceLength(at: end - 2) == 2 {
                end -= 2
            } else if line[end - 1] >= 0x80, end - start >= 3, line.whitespaceLength(at: end - 3) == 3 {
                end -= 3
            } else {
                break
            }
        }
        return line.view(start..<end)
    }

    // MARK: - Progress

    /// The largest percentage on the line, clamped to 0–100, by A.5's patterns:
    /// `进度[：:\s]*N(.N)?` (also `当前进度：N%`, `进度 76..`) and `progress[*:：\s]*N(.N)?%`.
    static func progress(in s: Bytes) -> Double? {
        var best: Double?
        let n = s.count
        var i = 0
        while i < n {
            let b = s[i]
            var numberStart = -1
            var needsPercent = false
            if b == 0xE8, s.matches("进度", at: i) {
                numberStart = skipSeparators(s, from: i + 6, stars: false)
            } else if b | 0x20 == UInt8(ascii: "p"), s.matches("progress", at: i) {
                numberStart = skipSeparators(s, from: i + 8, stars: true)
                needsPercent = true
            }
            if numberStart >= 0, let (value, end) = number(s, at: numberStart) {
                var k = end
                while k < n, s[k] == 0x20 { k += 1 }
                if !needsPercent || (k < n && (s[k] == UInt8(ascii: "%") || s.matches("％", at: k))) {
                    let clamped = min(100, max(0, value))
                    best = max(best ?? clamped, clamped)
                }
                i = end
                continue
            }
            i += 1
        }
        return best
    }

    /// Skips `:`, `：`, whitespace (and `*` after "progress").
    private static func skipSeparators(_ s: Bytes, from start: Int, stars: Bool) -> Int {
        var j = start
        while j < s.count {
            let b = s[j]
            if b == UInt8(ascii: ":") || (stars && b == UInt8(ascii: "*")) {
                j += 1
            } else if s.matches("：", at: j) {
                j += 3
            } else {
                let space = s.whitespaceLength(at: j)
                if space == 0 { break }
                j += space
            }
        }
        return j
    }

    private static let powersOfTen: [Double] = (0...15).map { pow(10, Double($0)) }

    /// `N` or `N.N` at `start`, and the index after it. Up to 15 digits the value is an exact
    /// integer divided by an exact power of ten, so it rounds like `Double("…")`.
    static func number(_ s: Bytes, at start: Int) -> (Double, Int)? {
        let n = s.count
        var k = start
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        while k < n, ASCII.isDigit(s[k]) {
            if digits < 18 { mantissa = mantissa &* 10 &+ UInt64(s[k] - 0x30) }
            digits += 1
            k += 1
        }
        guard k > start else { return nil }
        if k + 1 < n, s[k] == UInt8(ascii: "."), ASCII.isDigit(s[k + 1]) {
            k += 1
            while k < n, ASCII.isDigit(s[k]) {
                if digits < 18 { mantissa = mantissa &* 10 &+ UInt64(s[k] - 0x30) }
                digits += 1
                fractionDigits += 1
                k += 1
            }
        }
        if digits <= 15 { return (Double(mantissa) / powersOfTen[fractionDigits], k) }
        guard let value = Double(s.view(start..<k).string) else { return nil }
        return (value, k)
    }

    // MARK: - Markers

    /// The most advanced phase whose marker appears on the line (`candidates` from
    /// `Marker.table`); a progress number means running.
    static func phase(in text: Bytes, candidates: UInt64, hasProgress: Bool) -> UpstreamPhase? {
        let table = Marker.table
        if table.occurs(.done, in: text, candidates: candidates) { return .done }
        if hasProgress || table.occurs(.running, in: text, candidates: candidates) { return .running }
        if table.occurs(.queued, in: text, candidates: candidates) { return .queued }
        return nil
    }

    static let taskIDLabels: [StaticString] = ["task id", "task_id", "taskid", "任务id", "任务 id", "任务编号", "id"]

    /// The id from a line such as ``ID: `task_01k9…` `` or `任务ID：abc123` (at least 4 characters
    /// of `[A-Za-z0-9_.-]`).
    static func taskID(in text: Bytes) -> String? {
        var start = 0
        while start < text.count, text[start] == UInt8(ascii: "*") || text[start] == UInt8(ascii: "_") { start += 1 }
        let line = text.view(start..<text.count)
        // Every label starts with "t", "i" or "任" (E4 BB BB).
        guard let first = line.first, ASCII.lower(first) == UInt8(ascii: "t") || ASCII.lower(first) == UInt8(ascii: "i") || first == 0xE4 else {
            return nil
        }
        for label in taskIDLabels {
            let length = label.utf8CodeUnitCount
            guard line.count > length, line.matches(label, at: 0) else { continue }
            var k = length
            while k < line.count, line[k] == 0x20 || line[k] == UInt8(ascii: "*") || line[k] == UInt8(ascii: "_") { k += 1 }
            if k < line.count, line[k] == UInt8(ascii: ":") {
                k += 1
            } else if line.matches("：", at: k) {
                k += 3
            } else {
                continue
            }
            while k < line.count, line[k] == 0x20 || line[k] == UInt8(ascii: "`") || line[k] == UInt8(ascii: "*") { k += 1 }
            let tokenStart = k
            while k < line.count {
                let b = line[k]
                guard ASCII.isAlphanumeric(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") else { break }
                k += 1
            }
            if k - tokenStart >= 4 { return line.view(tokenStart..<k).string }
        }
        return nil
    }

    /// Metadata lines that are not a stage: `sid: …`.
    static func isIdentifierLine(_ text: Bytes) -> Bool {
        text.hasPrefixFolded("sid:") || text.hasPrefixFolded("sid：")
    }

    /// The line reports a failure, without saying why (`candidates` from `Marker.table`).
    static func reportsFailure(_ text: Bytes, candidates: UInt64) -> Bool {
        Marker.table.occurs(.failure, in: text, candidates: candidates)
    }

    // MARK: - Display

    /// Whether a letter or digit lies outside the link spans (a line of only links and
    /// punctuation is no status line).
    static func hasLetterOrDigit(_ line: Bytes, outside spans: [LinkSpan]) -> Bool {
        var k = 0
        for span in spans {
            if hasLetterOrDigit(line, in: k..<span.range.lowerBound) { return true }
            k = span.range.upperBound
        }
        return hasLetterOrDigit(line, in: k..<line.count)
    }

    private static func hasLetterOrDigit(_ line: Bytes, in range: Range<Int>) -> Bool {
        var i = range.lowerBound
        while i < range.upperBound {
            let b = line[i]
            if b < 0x80 {
                if ASCII.isAlphanumeric(b) { return true }
                i += 1
                continue
            }
            let (scalar, length) = line.scalar(at: i)
            i += length
            guard let scalar else { continue }
            switch scalar.value {
            case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7A3: return true  // CJK ideographs, Hangul: letters
            case 0x1F300...0x1FAFF: continue  // emoji pictographs: neither
            default: if scalar.properties.isAlphabetic || scalar.properties.numericType != nil { return true }
            }
        }
        return false
    }

    /// A line for display: images and video tags removed, Markdown links replaced by their label,
    /// bare URLs removed, `**`/`__`/backticks/heading marks dropped, whitespace collapsed.
    static func clean(_ line: Bytes) -> String {
        var spans: [LinkSpan] = []
        _ = LinkScanner.scan(line, before: 0x0A, mode: .complete, makeURLs: false, into: &spans)
        var kept: [UInt8] = []
        var k = 0
        for span in spans {
            kept.append(contentsOf: line.view(k..<span.range.lowerBound))
            if span.kind == .markdown, let labelRange = span.label {
                let label = line.view(labelRange).string.trimmed
                if !label.contains("](") { kept.append(contentsOf: label.utf8) }
            }
            k = span.range.upperBound
        }
        kept.append(contentsOf: line.view(k..<line.count))
        var text = String(decoding: kept, as: UTF8.self)
        for mark in ["**", "__", "`"] { text = text.replacing(mark, with: "") }
        return text.drop { $0 == ">" || $0 == "#" || $0.isWhitespace }
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// `text` cut to `limit` characters (with an ellipsis when cut).
    static func cut(_ text: String, to limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }
}
