import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../local/scratch.js';
import { ConfigurationError } from './errors.js';
import { resolveDirectoryInput, resolveFileInput } from './paths.js';

let root: string;
let workspace: string;

beforeAll(() => {
  // <root>/repo is the workspace; <root>/outside.txt is beside it, outside the repository.
  root = scratchDir('rs-paths-');
  workspace = join(root, 'repo');
  mkdirSync(join(workspace, 'svc'), { recursive: true });
  writeFileSync(join(workspace, 'svc', 'Dockerfile'), 'FROM scratch\n');
  writeFileSync(join(workspace, '..dotdot'), 'a file whose name starts with two dots\n');
  writeFileSync(join(root, 'outside.txt'), 'not in the repository\n');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resolveFileInput', () => {
  it('resolves a file relative to the repository root, and takes an absolute path as written', () => {
    expect(resolveFileInput('file', 'svc/Dockerfile', workspace)).toBe(join(workspace, 'svc', 'Dockerfile'));
    expect(resolveFileInput('file', './svc/../svc/Dockerfile', workspace)).toBe(join(workspace, 'svc', 'Dockerfile'));
    expect(resolveFileInput('file', join(workspace, 'svc', 'Dockerfile'), workspace)).toBe(join(workspace, 'svc', 'Dockerfile'));
    expect(resolveFileInput('file', '..dotdot', workspace)).toBe(join(workspace, '..dotdot'));
  });

  it('rejects a relative path that leads out of the repository, even when the file exists, naming the input', () => {
    const error = (() => {
      try {
        resolveFileInput('file', '../outside.txt', workspace, 'Dockerfile path');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      'input "file" names "../outside.txt", which is outside the repository: give the Dockerfile path relative to the repository root',
    );
    expect(() => resolveFileInput('file', 'svc/../../outside.txt', workspace)).toThrow('which is outside the repository');
  });

  it('rejects a missing file and a directory', () => {
    expect(() => resolveFileInput('file', 'svc/Containerfile', workspace, 'Dockerfile path')).toThrow(
      'input "file" names "svc/Containerfile", which does not exist: give the Dockerfile path relative to the repository root',
    );
    expect(() => resolveFileInput('file', 'svc', workspace)).toThrow('input "file" names "svc", which is not a file');
  });
});

describe('resolveDirectoryInput', () => {
  it('resolves a directory inside the repository and rejects one outside it', () => {
    expect(resolveDirectoryInput('context', 'svc', workspace)).toBe(join(workspace, 'svc'));
    expect(() => resolveDirectoryInput('context', '..', workspace)).toThrow('input "context" names "..", which is outside the repository');
    expect(() => resolveDirectoryInput('context', 'nowhere', workspace)).toThrow('which is not a directory');
  });
});
