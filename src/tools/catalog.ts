/**
 * Tools the suite downloads, pinned in this repository: version, platform, URL and the sha256 of
 * the release archive as published by the project. Nothing outside this table is downloaded;
 * an archive whose hash differs is never extracted.
 */
export type ToolName = 'gitleaks' | 'promtool' | 'prometheus';

export interface ToolAsset {
  url: string;
  /** sha256 of the archive, lower-case hex, from the project's published checksums. */
  sha256: string;
  format: 'tar.gz';
  /** Path of the executable inside the archive. */
  entry: string;
}

export interface ToolSpec {
  defaultVersion: string;
  /** version -> `${platform}-${arch}` (Node's names, e.g. linux-x64) -> asset */
  versions: Record<string, Partial<Record<string, ToolAsset>>>;
}

export type ToolCatalog = Record<string, ToolSpec>;

const gitleaks = (version: string, file: string, sha256: string): ToolAsset => ({
  url: `https://github.com/gitleaks/gitleaks/releases/download/v${version}/${file}`,
  sha256,
  format: 'tar.gz',
  entry: 'gitleaks',
});

/** One Prometheus release archive holds both promtool and the server; `program` picks which. */
const prometheus = (version: string, arch: string, sha256: string, program: 'promtool' | 'prometheus' = 'promtool'): ToolAsset => ({
  url: `https://github.com/prometheus/prometheus/releases/download/v${version}/prometheus-${version}.linux-${arch}.tar.gz`,
  sha256,
  format: 'tar.gz',
  entry: `prometheus-${version}.linux-${arch}/${program}`,
});

export const GITLEAKS_DEFAULT_VERSION = '8.28.0';
export const PROMTOOL_DEFAULT_VERSION = '2.53.4';
export const PROMETHEUS_DEFAULT_VERSION = '2.53.4';

export const TOOL_CATALOG: ToolCatalog = {
  gitleaks: {
    defaultVersion: GITLEAKS_DEFAULT_VERSION,
    versions: {
      // gitleaks_8.28.0_checksums.txt
      '8.28.0': {
        'linux-x64': gitleaks('8.28.0', 'gitleaks_8.28.0_linux_x64.tar.gz', 'a65b5253807a68ac0cafa4414031fd740aeb55f54fb7e55f386acb52e6a840eb'),
        'linux-arm64': gitleaks('8.28.0', 'gitleaks_8.28.0_linux_arm64.tar.gz', 'eff65261156100e5d94a6b3dec313d532fddfe19ae1590bf7a2b4f2699128356'),
        'darwin-x64': gitleaks('8.28.0', 'gitleaks_8.28.0_darwin_x64.tar.gz', 'edf5a507008b0d2ef4959575772772770586409c1f6f74dabf19cbe7ec341ced'),
        'darwin-arm64': gitleaks('8.28.0', 'gitleaks_8.28.0_darwin_arm64.tar.gz', 'd942f3ad147250c9edbaab3fed9e482f98d3b59ba10ae97b8d75647e3ade492c'),
      },
    },
  },
  promtool: {
    defaultVersion: PROMTOOL_DEFAULT_VERSION,
    versions: {
      // sha256sums.txt of Prometheus 2.53.4 (LTS). A wrong pin fails closed: nothing is extracted.
      '2.53.4': {
        'linux-x64': prometheus('2.53.4', 'amd64', 'b8b497c4610d1b93208252b60c8f20f6b2e78596ae8df43397a2e805aa53d475'),
        'linux-arm64': prometheus('2.53.4', 'arm64', 'ec7236ecea7154d0bfe142921708b1ae7b5e921e100e0ee85ab92b7c444357e0'),
      },
    },
  },
  prometheus: {
    defaultVersion: PROMETHEUS_DEFAULT_VERSION,
    versions: {
      // The same archives as promtool above (sha256sums.txt of Prometheus 2.53.4): the server binary.
      '2.53.4': {
        'linux-x64': prometheus('2.53.4', 'amd64', 'b8b497c4610d1b93208252b60c8f20f6b2e78596ae8df43397a2e805aa53d475', 'prometheus'),
        'linux-arm64': prometheus('2.53.4', 'arm64', 'ec7236ecea7154d0bfe142921708b1ae7b5e921e100e0ee85ab92b7c444357e0', 'prometheus'),
      },
    },
  },
};
