import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import {
  OrderRecordKind,
  OrderStatus,
  designedDataHash,
  fetchOrderHistory,
  historyRows,
  installedDataHash,
  orderShipmentRef,
  placedDataHash,
  producedDataHash,
  proveOrderHistory,
  rebuildOrderHead,
} from "../../scripts/lib/orders";
import type { Shipment } from "../../scripts/lib/trace";
import { chain, timestampOf } from "../helpers/traceFixture";
import {
  CANCELLATION,
  CERTIFICATE,
  DESIGN_V2,
  INSTALLATION,
  type OrdersFixture,
  REJECTION,
  SERVICE,
  UNIT,
  WINDOW,
  atSecond,
  cancelledFixture,
  designedData,
  designedFixture,
  installedData,
  installedFixture,
  kneeDesign,
  kneeOrder,
  orderFieldsOf,
  ordersFixture,
  placedData,
  placedFixture,
  producedData,
  producedFixture,
  receivedFixture,
  refOf,
  rejectedFixture,
  shipKnee,
} from "./ordersFixture";

/** An order in a given status: the fixture, the order's id, and a shipment to pass (the real one once there is one). */
interface State {
  f: OrdersFixture;
  orderId: bigint;
  shipment: Shipment;
}

const NO_SHIPMENT: Shipment = {
  batchId: ethers.ZeroHash,
  fromOrgId: 0n,
  toOrgId: 0n,
  carrierOrgId: 0n,
  fromGln: 0n,
  toGln: 0n,
  quantity: 0n,
  ref: ethers.ZeroHash,
  sequence: 0n,
};

const states: Record<Exclude<keyof typeof OrderStatus, number>, () => Promise<State>> = {
  None: async () => ({ f: await loadFixture(ordersFixture), orderId: 1n, shipment: NO_SHIPMENT }),
  Placed: async () => ({ f: await loadFixture(placedFixture), orderId: 1n, shipment: NO_SHIPMENT }),
  Designed: async () => ({ f: await loadFixture(designedFixture), orderId: 1n, shipment: NO_SHIPMENT }),
  Produced: async () => ({ f: await loadFixture(producedFixture), orderId: 1n, shipment: NO_SHIPMENT }),
  // Approved with the device received: installation is the only step left.
  Approved: async () => {
    const f = await loadFixture(receivedFixture);
    return { f, orderId: 1n, shipment: f.shipment };
  },
  Rejected: async () => ({ f: await loadFixture(rejectedFixture), orderId: 1n, shipment: NO_SHIPMENT }),
  Installed: async () => {
    const f = await loadFixture(installedFixture);
    return { f, orderId: 1n, shipment: f.shipment };
  },
  Cancelled: async () => ({ f: await loadFixture(cancelledFixture), orderId: 1n, shipment: NO_SHIPMENT }),
};

/** Every step, sent by its one allowed role with valid arguments, and the status it leads to. */
const actions: { name: string; to: OrderStatus; send: (s: State) => Promise<ContractTransactionResponse> }[] = [
  {
    name: "design",
    to: OrderStatus.Designed,
    send: ({ f, orderId }) => f.book.connect(f.maker).design(orderId, kneeDesign([f.titaniumId])),
  },
  {
    name: "completeProduction",
    to: OrderStatus.Produced,
    send: ({ f, orderId }) => f.book.connect(f.maker).completeProduction(orderId, f.kneeId, UNIT),
  },
  {
    name: "approveCompliance",
    to: OrderStatus.Approved,
    send: ({ f, orderId }) => f.book.connect(f.regulatorA).approveCompliance(orderId, CERTIFICATE),
  },
  {
    name: "rejectCompliance",
    to: OrderStatus.Rejected,
    send: ({ f, orderId }) => f.book.connect(f.regulatorA).rejectCompliance(orderId, REJECTION),
  },
  {
    name: "confirmInstallation",
    to: OrderStatus.Installed,
    send: ({ f, orderId, shipment }) =>
      f.book.connect(f.hospital).confirmInstallation(orderId, shipment, INSTALLATION, "ipfs://op"),
  },
  {
    name: "recordService",
    to: OrderStatus.Installed,
    send: ({ f, orderId }) => f.book.connect(f.maker).recordService(orderId, SERVICE, "ipfs://service"),
  },
  {
    name: "cancel",
    to: OrderStatus.Cancelled,
    send: ({ f, orderId }) => f.book.connect(f.hospital).cancel(orderId, CANCELLATION),
  },
];

/** The steps each status allows (DESIGN: strict order; cancel of a produced order waits for the window). */
const ALLOWED: Record<string, string[]> = {
  None: [],
  Placed: ["design", "cancel"],
  Designed: ["completeProduction", "cancel"],
  Produced: ["approveCompliance", "rejectCompliance"],
  Approved: ["confirmInstallation"],
  Rejected: ["design", "cancel"],
  Installed: ["recordService"],
  Cancelled: [],
};

describe("DeviceOrderBook: lifecycle", () => {
  describe("every step in every status (the strict order)", () => {
    for (const [statusName, load] of Object.entries(states)) {
      const status = OrderStatus[statusName as keyof typeof OrderStatus];
      for (const action of actions) {
        if (ALLOWED[statusName].includes(action.name)) {
          it(`${statusName}: ${action.name} is accepted and leads to ${OrderStatus[action.to]}`, async () => {
            const s = await load();
            await expect(action.send(s)).not.to.be.reverted;
            expect(await s.f.book.statusOf(s.orderId)).to.equal(action.to);
          });
        } else if (statusName === "Produced" && action.name === "cancel") {
          it("Produced: cancel is refused with OrdersComplianceWindowOpen within the window", async () => {
            const s = await load();
            const { complianceDeadline } = await s.f.book.orderOf(s.orderId);
            await expect(action.send(s))
              .to.be.revertedWithCustomError(s.f.book, "OrdersComplianceWindowOpen")
              .withArgs(s.orderId, complianceDeadline);
          });
        } else {
          it(`${statusName}: ${action.name} is refused with OrdersUnexpectedStatus(${statusName})`, async () => {
            const s = await load();
            const [head, count] = await s.f.book.historyOf(s.orderId);
            await expect(action.send(s))
              .to.be.revertedWithCustomError(s.f.book, "OrdersUnexpectedStatus")
              .withArgs(s.orderId, status);
            expect(await s.f.book.historyOf(s.orderId)).to.deep.equal([head, count]);
          });
        }
      }
    }
  });

  describe("the compliance window", () => {
    const load = () => loadFixture(producedFixture);

    it("refuses the hospital's cancel at the deadline second itself, accepts it one second later", async () => {
      const f = await load();
      expect((await f.book.orderOf(f.orderId)).complianceDeadline).to.equal(f.deadline);
      await atSecond(f.deadline);
      await expect(f.book.connect(f.hospital).cancel(f.orderId, CANCELLATION))
        .to.be.revertedWithCustomError(f.book, "OrdersComplianceWindowOpen")
        .withArgs(f.orderId, f.deadline);
      await atSecond(f.deadline + 1n);
      await expect(f.book.connect(f.hospital).cancel(f.orderId, CANCELLATION))
        .to.emit(f.book, "OrderCancelled")
        .withArgs(f.orderId, f.hospital.address, OrderStatus.Produced, CANCELLATION);
    });

    it("refuses a ruling once the hospital cancelled past the window", async () => {
      const f = await load();
      await time.increaseTo(f.deadline + 1n);
      await (await f.book.connect(f.hospital).cancel(f.orderId, CANCELLATION)).wait();
      await expect(f.book.connect(f.regulatorA).approveCompliance(f.orderId, CERTIFICATE))
        .to.be.revertedWithCustomError(f.book, "OrdersUnexpectedStatus")
        .withArgs(f.orderId, OrderStatus.Cancelled);
    });

    it("counts a ruling at the deadline second as in time", async () => {
      const f = await load();
      await atSecond(f.deadline);
      await expect(f.book.connect(f.regulatorA).approveCompliance(f.orderId, CERTIFICATE))
        .to.emit(f.book, "OrderRuled")
        .withArgs(f.orderId, f.regulatorA.address, true, CERTIFICATE, false);
    });

    it("accepts a late ruling while the hospital has not cancelled, flagged late", async () => {
      const f = await load();
      await atSecond(f.deadline + 1n);
      await expect(f.book.connect(f.regulatorA).rejectCompliance(f.orderId, REJECTION))
        .to.emit(f.book, "OrderRuled")
        .withArgs(f.orderId, f.regulatorA.address, false, REJECTION, true);
    });

    it("checks the party before the window: another hospital gets OrdersNotOrderParty", async () => {
      const f = await load();
      await expect(f.book.connect(f.hospital2).cancel(f.orderId, CANCELLATION))
        .to.be.revertedWithCustomError(f.book, "OrdersNotOrderParty")
        .withArgs(f.orderId, f.hospital2.address);
    });

    it("refuses a zero reason past the window with OrdersEmptyHash", async () => {
      const f = await load();
      await time.increaseTo(f.deadline + 1n);
      await expect(f.book.connect(f.hospital).cancel(f.orderId, ethers.ZeroHash)).to.be.revertedWithCustomError(
        f.book,
        "OrdersEmptyHash",
      );
    });
  });

  describe("revision after a rejection", () => {
    it("goes back through design, production and compliance, then ships and installs", async () => {
      const f = await loadFixture(rejectedFixture);
      const revised = kneeDesign([f.titaniumId], { designHash: DESIGN_V2, designURI: "ipfs://designs/kn-0042-v2" });
      await expect(f.book.connect(f.maker).design(f.orderId, revised))
        .to.emit(f.book, "OrderDesigned")
        .withArgs(f.orderId, f.maker.address, true, [revised.designHash, revised.designURI, revised.rawMaterials]);
      expect(await f.book.statusOf(f.orderId)).to.equal(OrderStatus.Designed);

      // The rejected unit stays bound to this order; the remade device is another unit of the batch.
      await time.increase(DAYS_10);
      const tx = await f.book.connect(f.maker).completeProduction(f.orderId, f.kneeId, UNIT + 1n);
      const producedAt = await timestampOf(tx);
      const o = await orderFieldsOf(f.book, f.orderId);
      expect([o.status, o.producedAt, o.complianceDeadline, o.unitIndex]).to.deep.equal([
        OrderStatus.Produced,
        producedAt,
        producedAt + WINDOW,
        UNIT + 1n,
      ]);
      expect(await f.book.orderOfUnit(f.kneeId, UNIT)).to.equal(f.orderId);
      expect(await f.book.orderOfUnit(f.kneeId, UNIT + 1n)).to.equal(f.orderId);

      await (await f.book.connect(f.regulatorB).approveCompliance(f.orderId, CERTIFICATE)).wait();
      const { shipment } = await shipKnee(f);
      await (await f.ledger.connect(f.hospital).receiveShipment(shipment, 1n, true)).wait();
      await (await f.book.connect(f.hospital).confirmInstallation(f.orderId, shipment, INSTALLATION, "")).wait();
      expect(await f.book.statusOf(f.orderId)).to.equal(OrderStatus.Installed);
      expect((await f.book.orderOf(f.orderId)).recordCount).to.equal(8n);
    });

    it("may link the same unit again after a rejection (it is this order's)", async () => {
      const f = await loadFixture(rejectedFixture);
      await (await f.book.connect(f.maker).design(f.orderId, kneeDesign([f.titaniumId]))).wait();
      await expect(f.book.connect(f.maker).completeProduction(f.orderId, f.kneeId, UNIT)).to.emit(
        f.book,
        "OrderProduced",
      );
    });
  });

  describe("history proven from the logs", () => {
    /** Two interleaved orders: order 1 rejected, revised, approved, installed and serviced twice; order 2 cancelled. */
    async function fullHistoryFixture() {
      const f = await installedFixture();
      await (await f.book.connect(f.hospital).place(kneeOrder(f.makerOrgId))).wait();
      await (await f.book.connect(f.maker).recordService(1n, SERVICE, "ipfs://s/1")).wait();
      await (await f.book.connect(f.hospital).cancel(2n, CANCELLATION)).wait();
      await time.increase(DAYS_10);
      await (await f.book.connect(f.hospital).recordService(1n, ethers.id("second service"), "ipfs://s/2")).wait();
      return f;
    }

    it("rebuilds each order's head from its OrderRecorded events and matches historyOf", async () => {
      const f = await loadFixture(fullHistoryFixture);
      for (const orderId of [1n, 2n]) {
        const logs = await f.book.queryFilter(f.book.filters.OrderRecorded(orderId));
        let head = ethers.ZeroHash;
        for (const log of logs) {
          expect(log.args.prevHead).to.equal(head);
          head = chain(head, Number(log.args.kind), log.args.actor, log.args.timestamp, log.args.dataHash);
        }
        expect(await f.book.historyOf(orderId)).to.deep.equal([head, BigInt(logs.length)]);
      }
      const kinds = (await f.book.queryFilter(f.book.filters.OrderRecorded(1n))).map((l) => Number(l.args.kind));
      expect(kinds).to.deep.equal([
        OrderRecordKind.Placed,
        OrderRecordKind.Designed,
        OrderRecordKind.Produced,
        OrderRecordKind.Approved,
        OrderRecordKind.Installed,
        OrderRecordKind.Serviced,
        OrderRecordKind.Serviced,
      ]);
    });

    it("proves the history with scripts/lib/orders.ts, in pages, and rejects altered or missing records", async () => {
      const f = await loadFixture(fullHistoryFixture);
      const entries = await fetchOrderHistory(f.book, 1n, { pageSize: 3 });
      expect(entries.length).to.equal(7);
      const proof = await proveOrderHistory(f.book, 1n);
      expect(proof.valid, proof.problem).to.equal(true);
      expect(proof.head).to.equal((await f.book.historyOf(1n))[0]);
      expect((await proveOrderHistory(f.book, 2n)).valid).to.equal(true);

      const altered = entries.map((e, i) => (i === 6 ? { ...e, dataHash: ethers.id("forged") } : e));
      expect((await proveOrderHistory(f.book, 1n, altered)).problem).to.match(/altered/);
      const missing = [...entries.slice(0, 2), ...entries.slice(3)];
      expect((await proveOrderHistory(f.book, 1n, missing)).problem).to.match(/does not follow/);
      expect((await proveOrderHistory(f.book, 1n, entries.slice(0, 6))).problem).to.match(/6 records found/);
      expect(rebuildOrderHead([]).head).to.equal(ethers.ZeroHash);
      await expect(fetchOrderHistory(f.book, 1n, { pageSize: 0 })).to.be.rejectedWith(/pageSize/);
      expect(historyRows(entries)[0].kind).to.equal("Placed");
    });

    it("the library's data hashes and ref agree with the NatSpec oracles and the contract", async () => {
      const f = await loadFixture(installedFixture);
      const design = kneeDesign([f.titaniumId]);
      expect(placedDataHash(f.hospitalOrgId, f.request)).to.equal(placedData(f.hospitalOrgId, f.request));
      expect(designedDataHash(design)).to.equal(designedData(design));
      expect(producedDataHash(f.kneeId, UNIT)).to.equal(producedData(f.kneeId, UNIT));
      expect(installedDataHash(f.shipmentId, INSTALLATION)).to.equal(installedData(f.shipmentId, INSTALLATION));
      const book = await f.book.getAddress();
      expect(orderShipmentRef(book, 1n)).to.equal(await f.book.shipmentRefOf(1n));
      expect(orderShipmentRef(book, 1n)).to.equal(refOf(book, 1n));
      const dataHashes = (await fetchOrderHistory(f.book, 1n)).map((e) => e.dataHash);
      expect(dataHashes).to.deep.equal([
        placedData(f.hospitalOrgId, f.request),
        designedData(design),
        producedData(f.kneeId, UNIT),
        CERTIFICATE,
        installedData(f.shipmentId, INSTALLATION),
      ]);
    });
  });
});

const DAYS_10 = 10n * 24n * 60n * 60n;
