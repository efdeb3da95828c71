/** The catalog: every slash command ferry knows, in the order `/ferry help` lists them. */
import type { CommandDefinition } from '../src/command.js';
import ferryHelp from './ferry-help.js';

export const commands: readonly CommandDefinition[] = [ferryHelp];
