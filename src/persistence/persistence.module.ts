import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { migrateSqlDatabase, openSqlDatabase, SQL_DATABASE, type SqlDatabase } from './sql-database.js';

@Global()
@Module({
  providers: [
    {
      provide: SQL_DATABASE,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => {
        const sql = openSqlDatabase(config);
        await migrateSqlDatabase(sql, config);
        return sql;
      },
    },
  ],
  exports: [SQL_DATABASE],
})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(@Inject(SQL_DATABASE) private readonly sql: SqlDatabase) {}

  async onApplicationShutdown(): Promise<void> {
    await this.sql.close();
  }
}
