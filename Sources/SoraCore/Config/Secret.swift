/// A secret setting's value (API keys, the admin token, the password hash, store secrets).
/// Printing, interpolating or dumping it shows `***`; the value is reached only through
/// `reveal()`, at the one place that needs it (an `Authorization` header, a signature).
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    public init(_ value: String) { self.value = value }

    public func reveal() -> String { value }
    public var isEmpty: Bool { value.isEmpty }
    public var description: String { "***" }
    public var debugDescription: String { "Secret(***)" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
