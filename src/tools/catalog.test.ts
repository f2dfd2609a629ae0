import { describe, expect, it } from 'vitest';
import { GITLEAKS_DEFAULT_VERSION, PROMETHEUS_DEFAULT_VERSION, PROMTOOL_DEFAULT_VERSION, TOOL_CATALOG } from './catalog.js';
import { resolveAsset } from './installer.js';

describe('pinned tool catalog', () => {
  it('every asset is an https URL of a tar.gz with a 64-hex sha256, and sha256s are unique', () => {
    // sha256 -> URL: one archive may serve two tools (promtool and prometheus), two archives never share a hash.
    const seen = new Map<string, string>();
    for (const [tool, spec] of Object.entries(TOOL_CATALOG)) {
      for (const [version, platforms] of Object.entries(spec.versions)) {
        for (const [platform, asset] of Object.entries(platforms)) {
          const where = `${tool} ${version} ${platform}`;
          expect(asset!.url, where).toMatch(/^https:\/\/github\.com\/[\w-]+\/[\w-]+\/releases\/download\/v[\d.]+\/[\w.-]+\.tar\.gz$/);
          expect(asset!.url, where).toContain(version);
          expect(asset!.sha256, where).toMatch(/^[0-9a-f]{64}$/);
          expect(seen.get(asset!.sha256) ?? asset!.url, `${where} repeats the checksum of another archive`).toBe(asset!.url);
          seen.set(asset!.sha256, asset!.url);
        }
      }
    }
  });
  it('the default versions resolve on linux x64 and arm64', () => {
    for (const arch of ['x64', 'arm64']) {
      expect(resolveAsset(TOOL_CATALOG, 'gitleaks', GITLEAKS_DEFAULT_VERSION, 'linux', arch).entry).toBe('gitleaks');
      expect(resolveAsset(TOOL_CATALOG, 'promtool', PROMTOOL_DEFAULT_VERSION, 'linux', arch).entry).toMatch(
        /^prometheus-2\.53\.4\.linux-(amd64|arm64)\/promtool$/,
      );
      const server = resolveAsset(TOOL_CATALOG, 'prometheus', PROMETHEUS_DEFAULT_VERSION, 'linux', arch);
      expect(server.entry).toMatch(/^prometheus-2\.53\.4\.linux-(amd64|arm64)\/prometheus$/);
      expect(server.sha256).toBe(resolveAsset(TOOL_CATALOG, 'promtool', PROMTOOL_DEFAULT_VERSION, 'linux', arch).sha256);
    }
  });
});
