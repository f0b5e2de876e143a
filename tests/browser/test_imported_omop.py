"""After loading the public OMOP CDM v5.4 sample (OHDSI EunomiaDatasets Synthea27Nj, read from outside the
project: CODEDASH_OMOP_SAMPLE (the zip or its folder) or ../shared/data/eunomia-synthea27nj) with `codedash load`, every page renders
without a console error and the coding-quality page says why it is empty. Skips without the sample."""
from __future__ import annotations

from tests.browser.test_imported_samples import visit_every_page_after_loading
from tests.data.test_import_omop import _eunomia


def test_every_page_renders_after_loading_omop(browser, tmp_path, capsys):
    visit_every_page_after_loading(browser, [_eunomia(tmp_path)], "omop", tmp_path, capsys)
