/**
 * `import { defineScenario, between } from 'volley'`: the scenario API.
 * (The coordinator and CLI are reached through the `volley` command.)
 */
export * from '@volley/shared/scenario';
