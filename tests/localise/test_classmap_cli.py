"""`cnnlab viz classmap`, run as a user would."""

from PIL import Image

from conftest import run_cli


def test_a_test_image_on_a_canvas_writes_the_map_into_the_runs_plots(digits_run):
    result = run_cli("viz", "classmap", str(digits_run), "--index", "3", "--canvas", "48")
    assert result.returncode == 0, result.stderr
    path = digits_run / "plots" / "classmap-test3.png"
    assert "5x5 windows of 32x32, stride 4" in result.stdout
    assert f"wrote {path}" in result.stdout
    with Image.open(path) as png:
        assert png.format == "PNG" and png.size[0] > 400


def test_an_image_file_is_mapped_at_its_own_size(digits_run, tmp_path):
    big = tmp_path / "big.png"
    Image.new("L", (72, 40), 0).save(big)
    out = tmp_path / "maps" / "big-map.png"
    result = run_cli("viz", "classmap", str(digits_run), "--image", str(big), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "3x11 windows of 32x32, stride 4" in result.stdout and out.is_file()


def test_an_image_smaller_than_the_training_size_is_one_line_and_exit_2(digits_run, tmp_path):
    small = tmp_path / "small.png"
    Image.new("L", (20, 40), 0).save(small)
    result = run_cli("viz", "classmap", str(digits_run), "--image", str(small))
    assert result.returncode == 2
    assert "expected one image (1, 1, H, W) with H >= 32 and W >= 32" in result.stderr
    assert "found (1, 1, 40, 20)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_canvas_smaller_than_the_image_is_refused(digits_run):
    result = run_cli("viz", "classmap", str(digits_run), "--canvas", "20")
    assert result.returncode == 2
    assert "--canvas 20x20 is smaller than the 32x32 image it holds" in result.stderr


def test_an_index_past_the_split_is_refused(digits_run):
    result = run_cli("viz", "classmap", str(digits_run), "--index", "360")
    assert result.returncode == 2
    assert "image index 360 is out of range: the test split of 'digits' has 360" in result.stderr
