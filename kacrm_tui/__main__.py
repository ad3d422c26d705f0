"""`python -m kacrm_tui` is `kacrm`."""
from kacrm_tui.cli import main

main()
