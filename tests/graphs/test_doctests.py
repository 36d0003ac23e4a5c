"""The Examples sections of the graphs package run as written."""

import doctest

import pytest

import graphs.brokerage
import graphs.build
import graphs.structure
import graphs.taktgeber
import graphs.text


@pytest.mark.parametrize("module", [graphs.brokerage, graphs.build, graphs.structure,
                                    graphs.taktgeber, graphs.text])
def test_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
