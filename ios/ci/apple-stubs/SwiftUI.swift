// Stand-in for the SwiftUI (and Combine) declarations the app uses. Type-check only; see README.md.
// Modifiers are declared on View with the real labels and argument types; they return `some View`.
@_exported import Foundation
import UIKit

// MARK: Combine's observable objects (re-exported by SwiftUI on Apple platforms)

public protocol ObservableObject: AnyObject {}

@propertyWrapper
public struct Published<Value> {
    public var wrappedValue: Value
    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }
}

// MARK: Views and builders

public protocol View {
    associatedtype Body: View
    @ViewBuilder @MainActor var body: Body { get }
}

extension Never: View {
    public var body: Never { fatalError() }
}

public struct EmptyView: View { public init() {}; public var body: Never { fatalError() } }
public struct TupleView<T>: View { public var body: Never { fatalError() } }
public struct ConditionalContent<A: View, B: View>: View { public var body: Never { fatalError() } }
public struct ModifiedView: View { public var body: Never { fatalError() } }
extension Optional: View where Wrapped: View { public var body: Never { fatalError() } }

@resultBuilder
public enum ViewBuilder {
    public static func buildExpression<C: View>(_ content: C) -> C { content }
    public static func buildBlock() -> EmptyView { EmptyView() }
    public static func buildBlock<C: View>(_ c: C) -> C { c }
    public static func buildBlock<each C: View>(_ c: repeat each C) -> TupleView<(repeat each C)> { TupleView() }
    public static func buildIf<C: View>(_ c: C?) -> C? { c }
    public static func buildOptional<C: View>(_ c: C?) -> C? { c }
    public static func buildEither<A: View, B: View>(first: A) -> ConditionalContent<A, B> { ConditionalContent() }
    public static func buildEither<A: View, B: View>(second: B) -> ConditionalContent<A, B> { ConditionalContent() }
    public static func buildLimitedAvailability<C: View>(_ c: C) -> C { c }
}

public protocol Scene {}
public struct WindowGroup<Content: View>: Scene {
    public init(@ViewBuilder content: () -> Content) {}
}
@resultBuilder
public enum SceneBuilder {
    public static func buildBlock<S: Scene>(_ s: S) -> S { s }
}
public protocol App {
    associatedtype Body: Scene
    @SceneBuilder @MainActor var body: Body { get }
    init()
}
extension App {
    public static func main() {}
}

// MARK: State

@propertyWrapper
public struct State<Value> {
    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }
    public var wrappedValue: Value { get { fatalError() } nonmutating set {} }
    public var projectedValue: Binding<Value> { fatalError() }
}
extension State where Value: ExpressibleByNilLiteral {
    public init() { fatalError() }
}

@propertyWrapper @dynamicMemberLookup
public struct Binding<Value> {
    public init(get: @escaping () -> Value, set: @escaping (Value) -> Void) {}
    public var wrappedValue: Value { get { fatalError() } nonmutating set {} }
    public var projectedValue: Binding<Value> { self }
    public subscript<T>(dynamicMember keyPath: WritableKeyPath<Value, T>) -> Binding<T> { fatalError() }
}

@propertyWrapper
public struct StateObject<ObjectType: ObservableObject> {
    public init(wrappedValue thunk: @autoclosure @escaping () -> ObjectType) {}
    public var wrappedValue: ObjectType { fatalError() }
}

public struct DismissAction {
    public func callAsFunction() {}
}
public struct EnvironmentValues {
    public var dismiss: DismissAction { fatalError() }
}
@propertyWrapper
public struct Environment<Value> {
    public init(_ keyPath: KeyPath<EnvironmentValues, Value>) {}
    public var wrappedValue: Value { fatalError() }
}

// MARK: Views the app uses

public struct Color: View {
    public static let red = Color(), orange = Color(), secondary = Color(), primary = Color()
    public var body: Never { fatalError() }
}
public struct Font {
    public static let title2 = Font(), headline = Font(), footnote = Font(), body = Font()
}
public struct Text: View {
    public init<S: StringProtocol>(_ content: S) {}
    public var body: Never { fatalError() }
    public func bold() -> Text { self }
    public func font(_ font: Font?) -> Text { self }
    public func foregroundColor(_ color: Color?) -> Text { self }
}
public struct Button<Label: View>: View {
    public var body: Never { fatalError() }
}
extension Button where Label == Text {
    public init<S: StringProtocol>(_ title: S, action: @escaping () -> Void) {}
}
public struct SecureField<Label: View>: View {
    public var body: Never { fatalError() }
}
extension SecureField where Label == Text {
    public init<S: StringProtocol>(_ title: S, text: Binding<String>) {}
}
public struct ProgressView: View {
    public init() {}
    public var body: Never { fatalError() }
}
public enum HorizontalAlignment { case leading, center, trailing }
public enum VerticalAlignment { case top, center, bottom }
public struct VStack<Content: View>: View {
    public init(alignment: HorizontalAlignment = .center, spacing: CGFloat? = nil, @ViewBuilder content: () -> Content) {}
    public var body: Never { fatalError() }
}
public struct HStack<Content: View>: View {
    public init(alignment: VerticalAlignment = .center, spacing: CGFloat? = nil, @ViewBuilder content: () -> Content) {}
    public var body: Never { fatalError() }
}
public struct ScrollView<Content: View>: View {
    public init(@ViewBuilder content: () -> Content) {}
    public var body: Never { fatalError() }
}
public struct NavigationView<Content: View>: View {
    public init(@ViewBuilder content: () -> Content) {}
    public var body: Never { fatalError() }
}
public struct ForEach<Data: RandomAccessCollection, ID: Hashable, Content: View>: View {
    public init(_ data: Data, id: KeyPath<Data.Element, ID>, @ViewBuilder content: @escaping (Data.Element) -> Content) {}
    public var body: Never { fatalError() }
}

// MARK: Modifiers

public struct BorderedProminentButtonStyle { }
public protocol PrimitiveButtonStyle {}
extension BorderedProminentButtonStyle: PrimitiveButtonStyle {}
extension PrimitiveButtonStyle where Self == BorderedProminentButtonStyle {
    public static var borderedProminent: BorderedProminentButtonStyle { BorderedProminentButtonStyle() }
}
public protocol TextSelectability {}
public struct EnabledTextSelectability: TextSelectability {}
extension TextSelectability where Self == EnabledTextSelectability {
    public static var enabled: EnabledTextSelectability { EnabledTextSelectability() }
}
public struct TextInputAutocapitalization {
    public static let characters = TextInputAutocapitalization(), never = TextInputAutocapitalization()
}
public enum Edge { public struct Set { public static let horizontal = Set(), bottom = Set(), all = Set() } }

extension View {
    public func padding(_ length: CGFloat? = nil) -> ModifiedView { ModifiedView() }
    public func padding(_ edges: Edge.Set, _ length: CGFloat? = nil) -> ModifiedView { ModifiedView() }
    public func font(_ font: Font?) -> ModifiedView { ModifiedView() }
    public func foregroundColor(_ color: Color?) -> ModifiedView { ModifiedView() }
    public func border<S: View>(_ content: S, width: CGFloat = 1) -> ModifiedView { ModifiedView() }
    public func buttonStyle<S: PrimitiveButtonStyle>(_ style: S) -> ModifiedView { ModifiedView() }
    public func disabled(_ disabled: Bool) -> ModifiedView { ModifiedView() }
    public func textSelection<S: TextSelectability>(_ selectability: S) -> ModifiedView { ModifiedView() }
    public func navigationTitle<S: StringProtocol>(_ title: S) -> ModifiedView { ModifiedView() }
    public func textInputAutocapitalization(_ autocapitalization: TextInputAutocapitalization?) -> ModifiedView { ModifiedView() }
    public func disableAutocorrection(_ disable: Bool?) -> ModifiedView { ModifiedView() }
    public func keyboardType(_ type: UIKeyboardType) -> ModifiedView { ModifiedView() }
    public func onChange<V: Equatable>(of value: V, perform action: @escaping (V) -> Void) -> ModifiedView { ModifiedView() }
    public func onDisappear(perform action: (() -> Void)? = nil) -> ModifiedView { ModifiedView() }
    public func onOpenURL(perform action: @escaping (URL) -> Void) -> ModifiedView { ModifiedView() }
    public func task(priority: TaskPriority = .userInitiated, _ action: @escaping @Sendable () async -> Void) -> ModifiedView { ModifiedView() }
    public func sheet<Content: View>(isPresented: Binding<Bool>, onDismiss: (() -> Void)? = nil,
                                     @ViewBuilder content: @escaping () -> Content) -> ModifiedView { ModifiedView() }
    public func sheet<Item: Identifiable, Content: View>(item: Binding<Item?>, onDismiss: (() -> Void)? = nil,
                                                         @ViewBuilder content: @escaping (Item) -> Content) -> ModifiedView { ModifiedView() }
}

// MARK: UIKit hosting

public struct UIViewControllerRepresentableContext<Representable> {}
public protocol UIViewControllerRepresentable: View where Body == Never {
    associatedtype UIViewControllerType: UIViewController
    typealias Context = UIViewControllerRepresentableContext<Self>
    @MainActor func makeUIViewController(context: Context) -> UIViewControllerType
    @MainActor func updateUIViewController(_ uiViewController: UIViewControllerType, context: Context)
}
extension UIViewControllerRepresentable {
    public var body: Never { fatalError() }
}
