import { Module } from '@nestjs/common';
import { ComplaintsController } from './api/complaints.controller.js';
import { ComplaintCommandHandler, FileComplaintHandler } from './application/complaint.commands.js';

@Module({ controllers: [ComplaintsController], providers: [ComplaintCommandHandler, FileComplaintHandler] })
export class ComplaintsModule {}
