// Warning metadata: Kubernetes' `299 - "text"` values, safe as gRPC metadata (printable ASCII)
// whatever the text holds, read back exactly, also when a transport joins values with commas.
import assert from 'node:assert/strict';
import { Metadata } from '@grpc/grpc-js';
import { limitWarnings, parseWarningHeaders, warningHeader, warningMetadata } from '../../../../lib/api/warnings';

describe('lib/api warnings', () => {
  const texts = [
    'would violate PodSecurity "restricted:latest": runAsUser=0 (pod must not set runAsUser=0), hostPort (container "a" uses hostPorts 80, 8080)',
    'café \\ 100% \u0000\u007f\n日本',
  ];

  it('formats values grpc-js accepts as metadata and parses them back', () => {
    const md = new Metadata();
    for (const t of texts) md.add('warning', warningHeader(t));
    assert.equal(warningHeader('plain'), '299 - "plain"');
    for (const v of md.get('warning')) assert.match(String(v), /^[\x20-\x7e]*$/);
    assert.deepEqual(parseWarningHeaders(md.get('warning')), texts);
  });

  it('reads values joined with commas and skips malformed ones', () => {
    assert.deepEqual(parseWarningHeaders([texts.map(warningHeader).join(', ')]), texts);
    assert.deepEqual(parseWarningHeaders(['garbage', '299 - "ok"']), ['ok']);
  });

  it('deduplicates and keeps within Kubernetes\' 4 KiB, cutting long warnings to 256 characters', () => {
    assert.deepEqual(limitWarnings(['a', 'a', '', 'b']), ['a', 'b']);
    const long = Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(300, 'x'));
    const out = limitWarnings(long);
    assert.equal(out.length, 16);
    assert.ok(out.every((w) => w.length === 256));
  });
});

describe('lib/api warnings: encoding and limits', () => {
  it('keeps printable ASCII but % and , as they are, and percent-encodes the rest in upper-case hex', () => {
    assert.equal(warningHeader(' ~\u007f%,é'), '299 - " ~%7F%25%2C%C3%A9"');
  });

  it('a % not followed by two hex digits is text', () => {
    assert.deepEqual(parseWarningHeaders(['299 - "100% %zz %4"']), ['100% %zz %4']);
  });

  it('reads any agent, and only whole warn values', () => {
    assert.deepEqual(parseWarningHeaders(['299 kite-apiserver "a"', 'x299 - "b"', '299 - "c" d', '299 - "c"d', '299 -- "e"']), ['a', 'e']);
  });

  it('keeps warnings whole up to 4096 characters in all', () => {
    const one = 'w'.repeat(4096);
    assert.deepEqual(limitWarnings([one]), [one]);
    const long = 'l'.repeat(300);
    assert.deepEqual(limitWarnings([long, 'short']), [long, 'short']);
  });

  it('puts each warning in one warning metadata value', () => {
    assert.deepEqual(warningMetadata(['a', 'a', 'b']).get('warning'), ['299 - "a"', '299 - "b"']);
  });
});
