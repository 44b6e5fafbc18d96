/// One parameter a model accepts, as the catalog declares it and the page renders it
/// (docs/contract.md §2). Every parameter has a default, so `{"model","prompt"}` is always valid.
public struct ParamSpec: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case int, `enum`, bool, string }

    /// Canonical name (`duration`, `resolution`, `ratio`, `size`, `audio`, `seed`,
    /// `negative_prompt`, `prompt_extend`, `watermark`); each protocol maps it onto its wire.
    public var name: String
    public var kind: Kind
    public var min: Int64?
    public var max: Int64?
    /// Allowed values of an `enum`, or of an `int` that is not a range.
    public var values: [JSONScalar]?
    public var defaultValue: JSONScalar
    public var maxLength: Int?
    public var unit: String?
    /// Folded away on the page.
    public var advanced: Bool
    /// Only these modes take the parameter (nil: all). Ark refuses `ratio` with a first frame.
    public var modes: [GenerationMode]?
    /// The wire field name when it differs from what the protocol uses for `name`.
    public var wire: String?

    enum CodingKeys: String, CodingKey {
        case name, kind, min, max, values, unit, advanced, modes, wire
        case defaultValue = "default"
        case maxLength = "max_length"
    }

    public init(name: String, kind: Kind, min: Int64? = nil, max: Int64? = nil, values: [JSONScalar]? = nil,
                default defaultValue: JSONScalar, maxLength: Int? = nil, unit: String? = nil, advanced: Bool = false,
                modes: [GenerationMode]? = nil, wire: String? = nil) {
        self.name = name; self.kind = kind; self.min = min; self.max = max; self.values = values
        self.defaultValue = defaultValue; self.maxLength = maxLength; self.unit = unit; self.advanced = advanced
        self.modes = modes; self.wire = wire
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        kind = try c.decode(Kind.self, forKey: .kind)
        min = try c.decodeIfPresent(Int64.self, forKey: .min)
        max = try c.decodeIfPresent(Int64.self, forKey: .max)
        values = try c.decodeIfPresent([JSONScalar].self, forKey: .values)
        defaultValue = try c.decode(JSONScalar.self, forKey: .defaultValue)
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength)
        unit = try c.decodeIfPresent(String.self, forKey: .unit)
        advanced = try c.decodeIfPresent(Bool.self, forKey: .advanced) ?? false
        modes = try c.decodeIfPresent([GenerationMode].self, forKey: .modes)
        wire = try c.decodeIfPresent(String.self, forKey: .wire)
    }

    /// Why `value` is not acceptable, or nil. Strings of digits are accepted for `int`
    /// (form posts); the returned value is normalised to the parameter's kind.
    public func check(_ value: JSONScalar) -> Result<JSONScalar, ParamProblem> {
        switch kind {
        case .int:
            let n: Int64? = value.intValue ?? value.stringValue.flatMap { Int64($0.trimmed) }
            guard let n else { return .failure(.init(spec: self)) }
            if let values, !values.contains(.int(n)) { return .failure(.init(spec: self)) }
            if let min, n < min { return .failure(.init(spec: self)) }
            if let max, n > max { return .failure(.init(spec: self)) }
            return .success(.int(n))
        case .enum:
            guard let values, values.contains(value) else { return .failure(.init(spec: self)) }
            return .success(value)
        case .bool:
            guard let b = value.boolValue else { return .failure(.init(spec: self)) }
            return .success(.bool(b))
        case .string:
            guard let s = value.stringValue else { return .failure(.init(spec: self)) }
            if let maxLength, s.unicodeScalars.count > maxLength { return .failure(.init(spec: self)) }
            return .success(.string(s))
        }
    }
}

/// A parameter value outside what its spec allows; carries what is allowed for the error answer.
public struct ParamProblem: Error, Equatable, Sendable {
    public var spec: ParamSpec
}
