import type { Command } from 'commander';
import type { Io } from '../io.js';
import { registerBugs } from './bugs.js';
import { registerCheck } from './check.js';
import { registerClaims } from './claims.js';
import { registerConform } from './conform.js';
import { registerDiagrams } from './diagrams.js';
import { registerExplore } from './explore.js';
import { registerMatrix } from './matrix.js';
import { registerMerge } from './merge.js';
import { registerReplay } from './replay.js';
import { registerRun } from './run.js';
import { registerSchema } from './schema.js';
import { registerServe } from './serve.js';
import { registerVersions } from './versions.js';
import { registerView } from './view.js';

/**
 * A subcommand registers itself on the program. It reports its exit code through
 * `setExitCode` (0 ok, 1 a property/check failed); bad input is thrown as InputError.
 */
export type RegisterCommand = (program: Command, io: Io, setExitCode: (code: number) => void) => void;

export const commands: RegisterCommand[] = [registerClaims, registerRun, registerExplore, registerReplay, registerCheck, registerConform, registerDiagrams, registerVersions, registerBugs, registerMatrix, registerMerge, registerView(), registerSchema, registerServe];
