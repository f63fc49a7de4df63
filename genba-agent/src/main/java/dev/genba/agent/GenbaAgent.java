package dev.genba.agent;

import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.config.ConfigPoller;
import dev.genba.agent.config.ConfigStore;
import dev.genba.agent.config.LiveSettings;
import dev.genba.agent.config.ServerContact;
import dev.genba.agent.db.AgentDatabase;
import dev.genba.agent.db.DamagedOutbox;
import dev.genba.agent.db.DatabaseException;
import dev.genba.agent.db.SpaceReserve;
import dev.genba.agent.delivery.Delivery;
import dev.genba.agent.delivery.LatencyStore;
import dev.genba.agent.http.AgentHttp;
import dev.genba.agent.intake.IntakeServer;
import dev.genba.agent.intake.ScanIntake;
import dev.genba.agent.logs.AgentLog;
import dev.genba.agent.logs.JournalCursor;
import dev.genba.agent.logs.JournalTail;
import dev.genba.agent.logs.LogBuffer;
import dev.genba.agent.logs.LogInbox;
import dev.genba.agent.logs.LogShipper;
import dev.genba.agent.outbox.Destination;
import dev.genba.agent.outbox.GroupCommitter;
import dev.genba.agent.outbox.OutboxStore;
import dev.genba.agent.status.StatusBacklog;
import dev.genba.agent.status.StatusReporter;
import dev.genba.agent.status.SystemSampler;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code genba-agent run}: every component wired by hand, started in dependency order and
 * stopped in reverse. Intake stops first, so nothing is acknowledged that is not committed.
 */
public final class GenbaAgent implements AutoCloseable {
    private static final AgentLog LOG = AgentLog.of(GenbaAgent.class);
    private static final long FIRST_STATUS_DELAY_MS = 5_000;

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final AtomicBoolean damageSeen = new AtomicBoolean();
    private volatile Runnable stopForDamage = () -> { };
    private IntakeServer intake;

    private GenbaAgent() {
    }

    /** Starts everything; under {@code run}, {@code logs} also receives the agent's own warnings (see AgentLog). */
    public static GenbaAgent start(AgentFileConfig file, LogBuffer logs, Clock clock) {
        return start(file, logs, clock, Path.of("/"));
    }

    /**
     * As {@link #start(AgentFileConfig, LogBuffer, Clock)}, reading the machine's health under
     * {@code systemRoot} ({@code proc/stat}, {@code proc/meminfo}, ...): "/" on a Pi; another
     * tree for the simulated clients of {@code genba demo}.
     */
    public static GenbaAgent start(AgentFileConfig file, LogBuffer logs, Clock clock, Path systemRoot) {
        GenbaAgent agent = new GenbaAgent();
        try {
            agent.wire(file, logs, clock, systemRoot);
            return agent;
        } catch (RuntimeException e) {
            agent.close();
            throw e;
        }
    }

    /**
     * What to do when SQLite finds the outbox damaged while the agent runs: {@code run} stops the
     * process (systemd starts it again, and the start sets the file aside).
     */
    public void whenOutboxDamaged(Runnable stop) {
        stopForDamage = stop;
        if (damageSeen.get()) {
            stop.run();
        }
    }

    private void outboxDamaged(Path file, DatabaseException damage) {
        if (damageSeen.compareAndSet(false, true)) {
            DamagedOutbox.markDamaged(file, damage.getCause().getMessage());
            LOG.error("the outbox is damaged (" + damage.getCause().getMessage() + "): the agent stops, and sets the"
                    + " file aside when it starts again (RUNBOOK 11.7)");
            stopForDamage.run();
        }
    }

    private void wire(AgentFileConfig file, LogBuffer logs, Clock clock, Path systemRoot) {
        String version = AgentVersion.current();
        // a damaged outbox, found now or by the last run, is set aside and replaced (RUNBOOK 11.7)
        AgentDatabase database = DamagedOutbox.openForRun(file.outboxFile(), clock);
        started.push(database);
        database.whenDamaged(damage -> outboxDamaged(file.outboxFile(), damage));
        ConfigStore configStore = new ConfigStore(file.serverConfigFile());
        LiveSettings settings = new LiveSettings(file, configStore.load());
        OutboxStore outbox = new OutboxStore(database, file.outboxMaxRows());
        AgentHttp http = new AgentHttp(file.clientKey(), version);
        ServerContact contact = new ServerContact(clock);

        Delivery delivery = new Delivery(outbox, new LatencyStore(database), settings, http, file.maxBackoffMs(), clock);
        delivery.start();
        started.push(delivery);

        JournalCursor journalCursor = new JournalCursor(database);
        LogShipper shipper = new LogShipper(logs, new LogInbox(database), journalCursor, http, file.serverUrl(),
                file.clientId(), () -> settings.current().jobTimeoutMs());
        // Run after the periodic jobs stop and before the outbox closes: the warnings of the last
        // seconds are shipped, briefly, once the scans' own stop is done.
        started.push(() -> shipper.flushWithin(LogShipper.STOP_BUDGET));

        // One thread for the periodic jobs: they run seconds to minutes apart, and every thread costs RSS.
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "agent-jobs");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.setRemoveOnCancelPolicy(true); // a wait brought forward does not linger in the queue
        started.push(() -> {
            scheduler.shutdownNow();
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        });

        GroupCommitter committer = new GroupCommitter(outbox, () -> destinationsFor(settings), delivery::newScans, clock);
        started.push(committer);
        intake = IntakeServer.start(file.intakePort(), new ScanIntake(file.clientId(), clock), committer);
        started.push(intake);

        ConfigPoller poller = new ConfigPoller(settings, configStore, http, contact);
        StatusBacklog backlog = new StatusBacklog(database, StatusBacklog.MAX_REPORTS);
        StatusReporter status = new StatusReporter(settings, new SystemSampler(systemRoot), outbox, backlog,
                destination -> delivery.latency(destination).summaryFor(destination.endpoint(settings.current())),
                logs::dropped, http, contact, clock, version);
        PeriodicJob configPoll = new PeriodicJob("config poll", poller::poll,
                () -> settings.current().configPollIntervalS() * 1000L, scheduler);
        PeriodicJob statusReport = new PeriodicJob("status report", status::tick,
                () -> settings.current().statusIntervalS() * 1000L, scheduler);
        PeriodicJob logShipping = new PeriodicJob("log shipping", shipper::flush,
                () -> settings.current().logFlushIntervalS() * 1000L, scheduler);
        // A shorter interval from the server applies now, not after the longer wait already begun.
        for (PeriodicJob job : List.of(configPoll, statusReport, logShipping)) {
            settings.onChange(job::intervalChanged);
        }
        configPoll.start(0);
        statusReport.start(FIRST_STATUS_DELAY_MS);
        logShipping.start(1_000);
        new PeriodicJob("space reserve", () -> SpaceReserve.keep(file.outboxFile()),
                () -> SpaceReserve.CHECK_INTERVAL_MS, scheduler).start(SpaceReserve.CHECK_INTERVAL_MS);

        JournalTail journal = new JournalTail(file.journalUnits(), JournalTail.findJournalctl(System.getenv("PATH")),
                journalCursor, logs);
        journal.start();
        started.push(journal);
        LOG.info("genba-agent " + version + " running as " + file.clientId() + ": intake on 127.0.0.1:" + intake.port()
                + ", server " + file.serverUrl() + ", state in " + file.stateDir());
    }

    /**
     * The primary always; the mirror while mirror mode is on and a mirror endpoint is set
     * (decided when the scan is committed, so switching mirror mode affects new scans only).
     */
    public static List<Destination> destinationsFor(LiveSettings settings) {
        return settings.current().destinations();
    }

    public int intakePort() {
        return intake.port();
    }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                LOG.warn("while stopping: " + e.getMessage());
            }
        }
    }
}
