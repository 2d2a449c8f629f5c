"""Parses an exposition in both formats with prometheus_client and checks
that every family has HELP and TYPE and that known figures survive.

Usage: check_exposition.py TEXT_FILE OPENMETRICS_FILE
"""
import sys

from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics)
from prometheus_client.parser import text_string_to_metric_families as parse_text


def samples(families):
    out = {}
    for family in families:
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def main():
    text = open(sys.argv[1]).read()
    om = open(sys.argv[2]).read()
    families = list(parse_text(text))
    om_families = list(parse_openmetrics(om))
    assert len(families) > 50, len(families)
    assert len(families) == len(om_families), (len(families), len(om_families))
    typed = {line.split()[2] for line in text.splitlines()
             if line.startswith('# TYPE ')}
    helped = {line.split()[2] for line in text.splitlines()
              if line.startswith('# HELP ')}
    for f in families:
        # The text parser names a counter family without _total.
        names = {f.name, f.name + '_total'}
        assert names & typed, 'no TYPE for ' + f.name
        assert names & helped, 'no HELP for ' + f.name
        assert f.documentation, 'empty HELP for ' + f.name
        assert f.type in ('counter', 'gauge', 'histogram'), (f.name, f.type)
    for parsed in (samples(families), samples(om_families)):
        def value(name, **labels):
            return parsed[(name, tuple(sorted(labels.items())))]
        assert value('heapd_objects', type='int') == 42
        assert value('heapd_gc_collections_total', generation='1') == 2
        assert value('heapd_pymalloc_blocks', size_class='1', state='free') == 250
        assert value('heapd_gil_wait_seconds_count', kind='Allocate') == 3
        assert value('heapd_gil_wait_seconds_bucket', kind='Allocate',
                     le='+Inf') == 3
        assert value('grpc_server_handled_total', grpc_code='NotFound',
                     grpc_method='Incref', grpc_service='heapd.v1.Heap',
                     grpc_type='unary') == 1
        assert value('heapd_build_info', version='9.9.9', layout='classic',
                     lock_policy='cpython') == 1
    print('%d families parsed in both formats' % len(families))


if __name__ == '__main__':
    main()
