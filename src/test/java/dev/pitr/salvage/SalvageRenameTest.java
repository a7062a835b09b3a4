package dev.pitr.salvage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SalvageRenameTest {
    @TempDir
    Path dir;

    @Test
    void statementsFollowTheNewNameAndTheRowsStayByteForByte() throws Exception {
        String dump = String.join("\n",
                "CREATE TABLE public.orders (",
                "    id integer NOT NULL,",
                "    note text DEFAULT 'orders'::text",
                ");",
                "CREATE SEQUENCE public.orders_id_seq",
                "ALTER SEQUENCE public.orders_id_seq OWNED BY public.orders.id;",
                "ALTER TABLE ONLY public.orders ALTER COLUMN id SET DEFAULT nextval('public.orders_id_seq'::regclass);",
                "COPY public.orders (id, note) FROM stdin;",
                "1\tsee public.orders and orders_pkey",
                "\\.",
                "SELECT pg_catalog.setval('public.orders_id_seq', 1000, true);",
                "ALTER TABLE ONLY public.orders",
                "    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);",
                "CREATE INDEX by_note ON public.orders USING btree (note);",
                "GRANT SELECT ON TABLE public.orders TO reporting;",
                "COMMENT ON TABLE public.orders IS 'the orders';", "");
        Path f = Files.writeString(dir.resolve("d.sql"), dump);
        SalvageService.rename(f, "public", "orders", "orders_before_delete", Map.of("orders_id_seq",
                SalvageService.companionName("orders_id_seq", "orders", "orders_before_delete"), "orders_pkey",
                SalvageService.companionName("orders_pkey", "orders", "orders_before_delete"), "by_note",
                SalvageService.companionName("by_note", "orders", "orders_before_delete")));
        String out = Files.readString(f);
        assertThat(out).contains("CREATE TABLE public.orders_before_delete (")
                .contains("DEFAULT 'orders'::text").as("a literal naming the table is not a reference")
                .contains("CREATE SEQUENCE public.orders_before_delete_id_seq")
                .contains("OWNED BY public.orders_before_delete.id")
                .contains("nextval('public.orders_before_delete_id_seq'::regclass)")
                .contains("COPY public.orders_before_delete (id, note) FROM stdin;")
                .contains("1\tsee public.orders and orders_pkey\n").as("rows are data")
                .contains("setval('public.orders_before_delete_id_seq', 1000, true)")
                .contains("ADD CONSTRAINT orders_before_delete_pkey PRIMARY KEY")
                .contains("CREATE INDEX orders_before_delete_by_note ON public.orders_before_delete")
                .contains("GRANT SELECT ON TABLE public.orders_before_delete TO reporting")
                .doesNotContain("TABLE public.orders ").doesNotContain("public.orders_id_seq");
        assertThat(SalvageService.companionName("x".repeat(60) + "_pkey", "t", "t_new").getBytes()).hasSizeLessThanOrEqualTo(63);
    }
}
