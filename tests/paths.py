"""Where the tests find their fixed inputs."""
from pathlib import Path

# copies of ../shared/samples (drop files as an ERP, a bank and Excel write them) with EXPECTED.md,
# kept in the repository so that the tests never depend on a folder outside it
SAMPLES = Path(__file__).resolve().parent / "samples"
