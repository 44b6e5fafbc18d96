// Reads a chat-completions answer from a file through `ChatStreamReader`, the way the worker does
// with libcurl's write callback (fixed-size pieces), and prints one JSON line: bytes, CPU and wall
// seconds, throughput (MB per CPU second: other processes on the machine do not skew it), what was
// read, and the process's peak RSS. Driven by Tests/Benchmarks/stream_read.py.
//
//     sora-stream-bench <file> [--chunk BYTES]
//
// The file is read with read(2) into one reused buffer, so the figures are the reader's own cost
// plus a page-cache copy, and the peak RSS shows whether the reader's memory depends on the
// length of the stream.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SoraCore

func fail(_ message: String) -> Never {
    let line = Array("sora-stream-bench: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var chunkSize = 64 * 1024
if let flag = arguments.firstIndex(of: "--chunk") {
    guard flag + 1 < arguments.count, let value = Int(arguments[flag + 1]), value > 0 else { fail("--chunk needs a positive number") }
    chunkSize = value
    arguments.removeSubrange(flag...(flag + 1))
}
guard arguments.count == 1 else { fail("usage: sora-stream-bench <file> [--chunk BYTES]") }

let fd = open(arguments[0], O_RDONLY)
guard fd >= 0 else { fail("cannot open \(arguments[0]): \(String(cString: strerror(errno)))") }
let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
defer { buffer.deallocate() }

/// CPU time of this process in seconds: what the reader costs, whatever else the machine runs.
func cpuSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

var reader = ChatStreamReader()
var total = 0
let clock = ContinuousClock()
let started = clock.now
let cpuStarted = cpuSeconds()
while true {
    let count = read(fd, buffer.baseAddress, chunkSize)
    if count < 0 { fail("read failed: \(String(cString: strerror(errno)))") }
    if count == 0 { break }
    total += count
    reader.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
}
reader.finish(textIsComplete: true)
let cpu = cpuSeconds() - cpuStarted
let elapsed = clock.now - started
close(fd)

let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18

/// Peak resident set size in KiB (`VmHWM`; `ru_maxrss` where /proc is missing).
func peakRSSKiB() -> Int {
    if let file = fopen("/proc/self/status", "r") {
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("VmHWM:") {
                return Int(text.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? -1
            }
        }
    }
    #if canImport(Darwin)
    var usage = rusage()
    getrusage(RUSAGE_SELF, &usage)
    return Int(usage.ru_maxrss) / 1024
    #else
    return -1
    #endif
}

func json(_ value: String?) -> String {
    guard let value else { return "null" }
    var out = "\""
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default:
            if scalar.value < 0x20 { out += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16) } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out + "\""
}

let fields = [
    "\"bytes\": \(total)",
    "\"seconds\": \(seconds)",
    "\"cpu_seconds\": \(cpu)",
    "\"mb_per_s\": \(cpu > 0 ? Double(total) / 1_000_000 / cpu : 0)",
    "\"wall_mb_per_s\": \(seconds > 0 ? Double(total) / 1_000_000 / seconds : 0)",
    "\"link\": \(json(reader.videoLink))",
    "\"progress\": \(reader.progress.map { "\($0)" } ?? "null")",
    "\"stage\": \(json(reader.stage))",
    "\"chunks\": \(reader.chunkCount)",
    "\"malformed\": \(reader.malformedEvents)",
    "\"peak_rss_kb\": \(peakRSSKiB())",
]
print("{" + fields.joined(separator: ", ") + "}")
