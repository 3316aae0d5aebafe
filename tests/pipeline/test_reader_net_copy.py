"""weights/kr_reader.py is the file EasyOCR loads; it must be the network the code trains and exports."""

from pathlib import Path

from gatekeeper.domain.paths import weights_dir
from gatekeeper.pipeline import reader_net


def test_shipped_network_file_is_the_training_network() -> None:
    shipped = weights_dir() / "kr_reader.py"
    assert shipped.read_bytes() == Path(reader_net.__file__).read_bytes(), (
        "weights/kr_reader.py differs from gatekeeper/pipeline/reader_net.py: retrain or copy it again"
    )
