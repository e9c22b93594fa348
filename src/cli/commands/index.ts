import type { Command } from 'commander';
import type { Io } from '../io.js';
/**
 * A subcommand registers itself on the program. It reports its exit code through
 * `setExitCode` (0 ok, 1 a property/check failed); bad input is thrown as InputError.
 */
export type RegisterCommand = (program: Command, io: Io, setExitCode: (code: number) => void) => void;

/**
 * The subcommands, in the order `--help` lists them, each loaded only when needed: a command run
 * by name loads its own module and what it imports, not every other command's (`check` of a
 * large history then starts some 40 MB lighter than with every command loaded: issue 16).
 */
export const commands: readonly { readonly name: string; load(): Promise<RegisterCommand> }[] = [
  { name: 'claims', load: async () => (await import('./claims.js')).registerClaims },
  { name: 'run', load: async () => (await import('./run.js')).registerRun },
  { name: 'explore', load: async () => (await import('./explore.js')).registerExplore },
  { name: 'replay', load: async () => (await import('./replay.js')).registerReplay },
  { name: 'check', load: async () => (await import('./check.js')).registerCheck },
  { name: 'conform', load: async () => (await import('./conform.js')).registerConform },
  { name: 'diagrams', load: async () => (await import('./diagrams.js')).registerDiagrams },
  { name: 'versions', load: async () => (await import('./versions.js')).registerVersions },
  { name: 'bugs', load: async () => (await import('./bugs.js')).registerBugs },
  { name: 'matrix', load: async () => (await import('./matrix.js')).registerMatrix },
  { name: 'merge', load: async () => (await import('./merge.js')).registerMerge },
  { name: 'view', load: async () => (await import('./view.js')).registerView() },
  { name: 'schema', load: async () => (await import('./schema.js')).registerSchema },
  { name: 'serve', load: async () => (await import('./serve.js')).registerServe },
];
