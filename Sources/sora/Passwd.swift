import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import SoraCore

/// `sora passwd`: sets the admin password as an scrypt hash (never the password itself).
struct Passwd: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set the admin password: prints (or writes) SORA_ADMIN_PASSWORD_HASH.",
        discussion: """
            Reads the new password twice from the terminal (not echoed), or once from stdin with --stdin. \
            With --generate it makes a random one and prints it once. With --config FILE the hash line \
            is written into that env-style file (created 0600, other lines kept); otherwise it is printed.
            """)

    @Flag(help: "Read the password from stdin (one line).") var stdin = false
    @Flag(help: "Make a random password and print it.") var generate = false
    @Option(help: "Write SORA_ADMIN_PASSWORD_HASH into this config file.") var config: String?

    func run() throws {
        let password: String
        if generate {
            let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
            password = String((0..<20).map { _ in alphabet.randomElement()! })
        } else if stdin || isatty(0) == 0 {
            password = readLine(strippingNewline: true) ?? ""
        } else {
            let first = Self.ask("New admin password: "), second = Self.ask("Again: ")
            guard first == second else { throw ValidationError("the two passwords differ") }
            password = first
        }
        guard password.count >= 10 else { throw ValidationError("use at least 10 characters") }
        let hash = try PasswordHash.make(password)
        if let config {
            try Self.write(hash: hash, to: config)
            print("SORA_ADMIN_PASSWORD_HASH written to \(config)")
        } else {
            print("SORA_ADMIN_PASSWORD_HASH=\(hash)")
        }
        if generate { Console.error("admin password: \(password)\n") }
    }

    /// Reads a line from the terminal with echo off.
    static func ask(_ prompt: String) -> String {
        Console.error(prompt)
        var old = termios()
        tcgetattr(0, &old)
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(0, TCSANOW, &quiet)
        defer { tcsetattr(0, TCSANOW, &old); Console.error("\n") }
        return readLine(strippingNewline: true) ?? ""
    }

    /// Replaces (or adds) the hash line, keeping every other line; the file stays 0600.
    static func write(hash: String, to path: String) throws {
        let old = FileIO.read(path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        var lines = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .filter { !$0.trimmed.hasPrefix("SORA_ADMIN_PASSWORD_HASH=") }
        while lines.last == "" { lines.removeLast() }
        lines.append("SORA_ADMIN_PASSWORD_HASH=\(hash)")
        try FileIO.writeAtomically(Array((lines.joined(separator: "\n") + "\n").utf8), to: path, mode: 0o600)
    }
}
