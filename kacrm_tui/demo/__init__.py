"""The demo data generator behind `kacrm demo` (DESIGN §7)."""
from kacrm_tui.demo.build import DemoSummary, build_demo

__all__ = ["DemoSummary", "build_demo"]
