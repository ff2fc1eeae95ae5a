export { MessageHandler, Subscribe } from './decorators';
export { polybusModule, polybusHandlers, type PolybusModuleOptions } from './container-module';
export { startPolybus, stopPolybus } from './lifecycle';
export { PolybusTypes } from './tokens';
export {
  bindingsByBackend,
  type BindingsPolicy,
  type BindingContext,
  type BackendInfo,
  type BackendMatch,
  type BackendRule,
} from './bindings-policy';
export type { HandlerBindOptions, IdempotencyRef } from './metadata';
