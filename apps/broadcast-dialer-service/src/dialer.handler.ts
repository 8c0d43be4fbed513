import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Subjects } from '@voxmail/contracts';

@Controller()
export class DialerHandler {
  @MessagePattern(Subjects.Health.Dialer)
  ping() {
    return { pong: true };
  }
}
