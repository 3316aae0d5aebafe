"""weights/kr_reader.py and latin_reader.py are the files EasyOCR loads; they must be the network the code
trains and exports."""

from pathlib import Path

import pytest

from gatekeeper.domain.paths import weights_dir
from gatekeeper.pipeline import reader_net


@pytest.mark.parametrize("name", ["kr_reader", "latin_reader"])
def test_shipped_network_file_is_the_training_network(name: str) -> None:
    shipped = weights_dir() / f"{name}.py"
    assert shipped.read_bytes() == Path(reader_net.__file__).read_bytes(), (
        f"weights/{name}.py differs from gatekeeper/pipeline/reader_net.py: retrain or copy it again"
    )
