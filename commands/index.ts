/** The catalog: every slash command ferry knows, in the order `/ferry help` lists them. */
import type { CommandDefinition } from '../src/command.js';
import glusterStatus from './gluster-status.js';
import glusterPeers from './gluster-peers.js';
import glusterVolumeInfo from './gluster-volume-info.js';
import novaShow from './nova-show.js';
import novaList from './nova-list.js';
import novaServices from './nova-services.js';
import migrate from './migrate.js';
import ferryHelp from './ferry-help.js';

export const commands: readonly CommandDefinition[] = [glusterStatus, glusterPeers, glusterVolumeInfo, novaShow, novaList, novaServices, migrate, ferryHelp];
