import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { Actor } from '../event-store/envelope.js';
import { DomainError, Forbidden } from '../shared/domain-error.js';
import { routePattern } from '../http/route-pattern.js';
import { type Policy, POLICY } from './policy.decorator.js';

export type AuthenticatedRequest = FastifyRequest & { actor: Actor };

/**
 * The one guard. It maps the bearer token to an actor and checks the route's role policy; a
 * route that declares no policy is refused to everyone, so a new route is closed until someone
 * decides who may call it.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const policy = this.reflector.getAllAndOverride<Policy | undefined>(POLICY, [context.getHandler(), context.getClass()]);
    if (policy?.public) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new DomainError('UNAUTHENTICATED', 'an Authorization: Bearer <token> header is required', 'unauthenticated');
    const actor = this.config.tokens.get(match[1]!);
    if (!actor) throw new DomainError('UNAUTHENTICATED', 'the bearer token is not recognised', 'unauthenticated');
    request.actor = actor;
    if (!policy) throw new Forbidden(`${request.method} ${routePattern(request)} has no access policy`);
    if (!policy.roles.includes(actor.role)) {
      throw new Forbidden(`role ${actor.role} may not call ${request.method} ${routePattern(request)}`);
    }
    return true;
  }
}
