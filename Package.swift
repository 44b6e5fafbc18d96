// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sora-fcgi",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sora", targets: ["sora"]),
        .library(name: "SoraCore", targets: ["SoraCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C shims: headers and module maps only.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CLinux"),
        // Digests, HMACs and scrypt: the libcrypto libcurl loads anyway (Support/Digest.swift).
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSpawn"),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // Everything testable without a web server: catalog, validation, spool, SSE, client, storage.
        .target(
            name: "SoraCore",
            dependencies: [
                "CCurl", "CLinux", "COpenSSL", "CSQLite",
            ]
        ),
        // Thin executable: argv, environment, libfcgi and process spawning.
        .executableTarget(
            name: "sora",
            dependencies: [
                "SoraCore", "CFastCGI", "CSpawn",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Storage backends driven from the environment, for integration tests and benchmarks.
        .executableTarget(name: "sora-store-probe", dependencies: ["SoraCore"]),
        // Reads a chat stream from a file through the stream reader; driven by Tests/Benchmarks/stream_read.py.
        .executableTarget(name: "sora-stream-bench", dependencies: ["SoraCore"]),
        .testTarget(name: "SoraCoreTests", dependencies: ["SoraCore"]),
    ]
)
