// Stand-in for the parts of UIKit (and QuartzCore) the app uses. Type-check only; see README.md.
@_exported import Foundation

open class CALayer {
    public init() {}
    open var frame: CGRect = .zero
    open func addSublayer(_ layer: CALayer) {}
}

open class UIColor {
    public init() {}
    open class var black: UIColor { UIColor() }
}

open class UIView {
    public init() {}
    open var layer: CALayer = CALayer()
    open var bounds: CGRect = .zero
    open var backgroundColor: UIColor?
}

open class UIViewController {
    public init() {}
    open var view: UIView! = UIView()
    open func viewDidLoad() {}
    open func viewDidLayoutSubviews() {}
    open func viewWillDisappear(_ animated: Bool) {}
}

public enum UIKeyboardType: Int {
    case `default`, asciiCapable, numberPad
}
